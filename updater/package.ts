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
  hostPlatform,
  type Manifest,
  MANIFEST_NAME,
  openVerifiedPackage,
  PackageError,
  SIGNATURE_NAME,
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
  /** Runs once the manifest is trusted, before anything is extracted (the free-space check). */
  beforeExtract?: (manifest: Manifest) => void | Promise<void>;
}

/**
 * Checks the package at `packagePath` and extracts it, with its manifest and
 * signature, into `stagingDir`. Returns the manifest; throws PackageError
 * when the package is refused, other errors for I/O trouble.
 */
export async function verifyAndExtract(
  packagePath: string,
  stagingDir: string,
  trust: PackageTrust = { keys: [], installedVersion: null },
): Promise<Manifest> {
  await Deno.mkdir(stagingDir, { recursive: true });
  const pkg = await openVerifiedPackage(packagePath, {
    trustedKeys: trust.keys,
    newerThan: trust.installedVersion,
    platform: hostPlatform(),
  }, {
    beforeContents: trust.beforeExtract,
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
