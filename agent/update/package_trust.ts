/**
 * Whether a downloaded package may run at all (docs/security.md): its
 * `manifest.sig` must verify against a key built into this agent, and its
 * manifest must be the version the server offered and newer than this one —
 * so neither a server nor a mirror can hand over code the release key did not
 * sign, nor replay an older signed package. Every refusal is an
 * `UpdateSignatureInvalid` naming the key id and the reason.
 */
import semver from "semver";
import {
  type SignatureFailure,
  type TrustedKey,
  verifyManifestSignature,
} from "../../protocol/signing.ts";
import { UpdateError } from "./update_error.ts";

/** Every reason an agent refuses a package as untrusted. */
export type TrustFailure = SignatureFailure | "version_mismatch" | "downgrade" | "file_mismatch";

export function untrusted(
  reason: TrustFailure,
  keyId: string | null,
  message: string,
  details: Record<string, unknown> = {},
): UpdateError {
  return new UpdateError("UpdateSignatureInvalid", message, {
    ...details,
    key_id: keyId,
    reason,
  });
}

/**
 * Checks manifest.sig against the exact manifest bytes. No trusted keys (a
 * development build) means no signature is required: returns null. Else
 * returns the signing key's id or throws UpdateSignatureInvalid.
 */
export async function checkSignature(
  manifestBytes: Uint8Array<ArrayBuffer>,
  signatureBytes: Uint8Array | null,
  keys: readonly TrustedKey[],
  details: Record<string, unknown> = {},
): Promise<string | null> {
  if (keys.length === 0) return null;
  const result = await verifyManifestSignature(manifestBytes, signatureBytes, keys);
  if (result.ok) return result.keyId;
  throw untrusted(result.reason, result.keyId, `Package signature refused: ${result.message}`, {
    ...details,
    trusted_key_ids: keys.map((k) => k.id),
  });
}

/**
 * The manifest must say the version offered (a server cannot label an old
 * package as new) and be newer than the running agent (no downgrade).
 */
export function checkVersions(
  manifestVersion: string,
  offered: string,
  running: string,
  keyId: string | null,
  details: Record<string, unknown> = {},
): void {
  const versions = {
    ...details,
    manifest_version: manifestVersion,
    offered_version: offered,
    running_version: running,
  };
  if (manifestVersion !== offered) {
    throw untrusted(
      "version_mismatch",
      keyId,
      `Package is version ${manifestVersion}, but version ${offered} was offered`,
      versions,
    );
  }
  if (!semver.gt(manifestVersion, running)) {
    throw untrusted(
      "downgrade",
      keyId,
      `Package version ${manifestVersion} is not newer than the running ${running}`,
      versions,
    );
  }
}
