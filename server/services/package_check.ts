/**
 * The server's upload check: an adapter of `openVerifiedPackage` (package/)
 * that refuses, with a 400 naming the problem, every package an agent or its
 * updater would refuse — given TRUSTED_KEYS, one whose `manifest.sig` does
 * not verify against them. The archive is read with random access, each
 * entry streamed once to check its hash, so memory stays flat.
 */
import {
  type Manifest,
  openVerifiedPackage,
  PackageError,
  type TrustedKey,
} from "../../package/mod.ts";
import { HttpError } from "../errors.ts";

/** A package that passed the checks. */
export interface CheckedPackage {
  manifest: Manifest;
  /** The id of the trusted key that signed it; null when no keys were given. */
  signedBy: string | null;
}

/** The 400 a refused package gets: its message, and for a signature which keys would do. */
export function refusalToHttpError(error: PackageError, keys: readonly TrustedKey[]): HttpError {
  if (error.reason === "version_mismatch") {
    const { manifest_version: said, expected_version: uploaded } = error.details;
    return new HttpError(
      400,
      "bad_request",
      `manifest.json says version "${said}", the upload says "${uploaded}"`,
    );
  }
  if (!error.isSignatureRefusal) return new HttpError(400, "bad_request", error.message);
  const trusted = keys.map((k) => k.id).join(", ");
  return new HttpError(
    400,
    "bad_request",
    `Package signature refused (${error.reason}): ${error.message}. ` +
      `This server accepts packages signed by ${trusted} (TRUSTED_KEYS)`,
  );
}

/**
 * Checks the package at `path` for `version`, and its signature against
 * `trustedKeys` when there are any; returns its manifest and signer or throws
 * a 400 HttpError that says what is wrong.
 */
export async function checkPackage(
  path: string,
  version: string,
  trustedKeys: readonly TrustedKey[] = [],
): Promise<CheckedPackage> {
  try {
    const { manifest, signedBy } = await openVerifiedPackage(path, { trustedKeys, version });
    return { manifest, signedBy };
  } catch (error) {
    if (error instanceof PackageError) throw refusalToHttpError(error, trustedKeys);
    throw error;
  }
}
