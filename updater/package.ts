/**
 * Step 2: an adapter of `openVerifiedPackage` (package/) that verifies the
 * package and extracts it into the staging folder in one streaming pass.
 * Nothing outside the staging folder is written. The rules are the agent's
 * and the server's: signed by a trusted key when keys are given, built for
 * this host, newer than the installed version, exactly the listed files with
 * their hashes. A refusal is a PackageError, which `apply.ts` turns into an
 * abandoned update (`packageFailure`) with the old agent restarted.
 */
import {
  freeBytesAt,
  hostPlatform,
  type Manifest,
  MANIFEST_NAME,
  openVerifiedPackage,
  PackageError,
  SIGNATURE_NAME,
  spaceNeeded,
  type TrustedKey,
} from "../package/mod.ts";
import type { Failure } from "./journal.ts";
import { nativePath } from "./paths.ts";

export { PackageError };

/** What vouches for a package: the agent's keys (none: no signature needed) and what it replaces. */
export interface PackageTrust {
  keys: readonly TrustedKey[];
  /** The installed manifest's version: the package must be newer. */
  installedVersion: string | null;
}

/** Free bytes on the volume of a folder; replaceable in tests. */
export type FreeBytesReader = (path: string) => Promise<number>;

/**
 * Checks the package at `packagePath` and extracts it, with its manifest and
 * signature, into `stagingDir`. Returns the manifest; throws PackageError
 * when the package is refused, other errors for I/O trouble.
 */
export async function verifyAndExtract(
  packagePath: string,
  stagingDir: string,
  trust: PackageTrust = { keys: [], installedVersion: null },
  readFree: FreeBytesReader = freeBytesAt,
): Promise<Manifest> {
  await Deno.mkdir(stagingDir, { recursive: true });
  const pkg = await openVerifiedPackage(packagePath, {
    trustedKeys: trust.keys,
    newerThan: trust.installedVersion,
    platform: hostPlatform(),
  }, {
    // Nothing is extracted unless every listed file fits (package/space.ts).
    beforeContents: async (manifest) => {
      const need = spaceNeeded({ manifest });
      const free = await readFree(stagingDir);
      if (free < need.required_bytes) {
        throw new Error(
          `Not enough free disk space at ${stagingDir}: ${free} bytes free, ` +
            `${need.required_bytes} needed (${need.staging_bytes} to stage, ` +
            `${need.margin_bytes} margin)`,
        );
      }
    },
    extract: { dir: stagingDir },
  });
  await Deno.writeFile(nativePath(stagingDir, MANIFEST_NAME), pkg.manifestBytes);
  if (pkg.signatureBytes) {
    await Deno.writeFile(nativePath(stagingDir, SIGNATURE_NAME), pkg.signatureBytes);
  }
  return pkg.manifest;
}

/** What `update_result.json` says about a package refused in step 2. */
export function packageFailure(error: PackageError): Failure {
  const trust = error.trustFailure;
  return {
    failed_step: "2-verify",
    error_type: trust ? "UpdateSignatureInvalid" : "UpdateExtractionFailed",
    message: error.message,
    ...(trust ? { key_id: error.keyId, reason: trust } : {}),
  };
}
