/**
 * The one error of `openVerifiedPackage`: a reason code for programs and a
 * message for people. Each caller adapts it: the server answers 400, the
 * agent reports an update error type, the updater rolls back.
 */
import type { SignatureFailure } from "./signature.ts";

/** Every way a package can be refused. */
export type PackageRefusal =
  /** The file is not a readable zip. */
  | "not_zip"
  /** An entry name breaks the entry rule (entry_path.ts), or an entry is encrypted. */
  | "unsafe_entry"
  /** Two entries name the same file on Windows (`agent` and `AGENT`). */
  | "duplicate_entry"
  | "no_manifest"
  | "bad_manifest"
  | SignatureFailure
  | "wrong_platform"
  /** The manifest's version is not the one expected (offered or uploaded). */
  | "version_mismatch"
  /** The manifest's version is not newer than the one installed (an older one, or a replay). */
  | "downgrade"
  /** An entry the manifest does not list. */
  | "unlisted_entry"
  /** A file the manifest lists is not in the zip. */
  | "missing_file"
  /** A file's size or SHA-256 differs from the manifest, or its data is damaged. */
  | "file_mismatch";

const SIGNATURE_REASONS = new Set<PackageRefusal>([
  "unsigned",
  "malformed_signature",
  "unknown_key",
  "bad_signature",
]);
/** Refusals that say the package is not the one its signer made, or not one to install here. */
const TRUST_REASONS = new Set<PackageRefusal>([
  ...SIGNATURE_REASONS,
  "version_mismatch",
  "downgrade",
]);
const CONTENT_REASONS = new Set<PackageRefusal>([
  "unlisted_entry",
  "missing_file",
  "file_mismatch",
]);

export interface PackageErrorDetails {
  /** The key the signature claims (signature refusals) or the key that signed the manifest. */
  key_id?: string | null;
  /** True once the manifest's signature verified: a content refusal then means tampering. */
  signed?: boolean;
  /** The entry or listed file concerned. */
  file?: string;
  [field: string]: unknown;
}

export class PackageError extends Error {
  override name = "PackageError";
  constructor(
    readonly reason: PackageRefusal,
    message: string,
    readonly details: PackageErrorDetails = {},
  ) {
    super(message);
  }

  /**
   * Why the package is untrusted, or null when it is merely broken: a
   * signature refusal, a version refusal, or (`file_mismatch`) any content
   * that differs from a manifest whose signature verified.
   */
  get trustFailure(): PackageRefusal | null {
    if (TRUST_REASONS.has(this.reason)) return this.reason;
    if (this.details.signed && CONTENT_REASONS.has(this.reason)) return "file_mismatch";
    return null;
  }

  /** True when `manifest.sig` itself was refused (missing, malformed, unknown key, no match). */
  get isSignatureRefusal(): boolean {
    return SIGNATURE_REASONS.has(this.reason);
  }

  /** The key the refusal concerns, for reports: claimed or signing; null when none. */
  get keyId(): string | null {
    return this.details.key_id ?? null;
  }
}
