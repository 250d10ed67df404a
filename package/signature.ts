/**
 * Package signatures, used by the release tool (signs) and by
 * `openVerifiedPackage` for the server, the agent and the updater (verify).
 * `manifest.sig` is an Ed25519 signature over the exact bytes of
 * `manifest.json`, which lists the version and every file's SHA-256, so one
 * signature covers the whole package. WebCrypto for Ed25519; a key's id is a
 * plain SHA-256 (`node:crypto`), so keys parse synchronously, once, at start-up.
 *
 * @example
 * ```ts
 * const keys = await parseTrustedKeys(["hangar-ed25519:..."]);
 * const result = await verifyManifestSignature(manifestBytes, sigBytes, keys);
 * if (!result.ok) console.log(result.reason, result.keyId);
 * ```
 */

import { createHash } from "node:crypto";

export const SIGNATURE_ALGORITHM = "Ed25519";
/** Public keys are written `hangar-ed25519:<base64 of the raw 32 bytes>`; the prefix is optional on input. */
export const PUBLIC_KEY_PREFIX = "hangar-ed25519:";

/** Why a signature was refused. */
export type SignatureFailure = "unsigned" | "malformed_signature" | "unknown_key" | "bad_signature";

/** The content of `manifest.sig`. */
export interface ManifestSignature {
  /** The signing key's id: the first 16 hex digits of the SHA-256 of its raw public key. */
  key_id: string;
  algorithm: typeof SIGNATURE_ALGORITHM;
  /** Base64 of the 64-byte Ed25519 signature over the bytes of manifest.json. */
  signature: string;
}

export interface TrustedKey {
  id: string;
  /** The key as `hangar-ed25519:<base64>`. */
  text: string;
  raw: Uint8Array<ArrayBuffer>;
}

export type VerifyResult =
  | { ok: true; keyId: string }
  | { ok: false; keyId: string | null; reason: SignatureFailure; message: string };

export class KeyFormatError extends Error {
  override name = "KeyFormatError";
  /** The text that is not a key, cut to 80 characters. */
  readonly key: string;
  constructor(message: string, key: string) {
    super(message);
    this.key = key.slice(0, 80);
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_ID = /^[0-9a-f]{16}$/;

/** Decodes strict base64; null when `text` is not base64. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!BASE64.test(text)) return null;
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The raw 32 bytes of a public key written with or without the `hangar-ed25519:` prefix. */
export function decodePublicKey(text: string): Uint8Array<ArrayBuffer> {
  const trimmed = text.trim();
  const body = trimmed.startsWith(PUBLIC_KEY_PREFIX)
    ? trimmed.slice(PUBLIC_KEY_PREFIX.length)
    : trimmed;
  const raw = fromBase64(body);
  if (!raw || raw.length !== 32) {
    throw new KeyFormatError(
      `Cannot use public key "${trimmed.slice(0, 80)}": expected ${PUBLIC_KEY_PREFIX}` +
        ` followed by the base64 of 32 bytes`,
      trimmed,
    );
  }
  return raw;
}

export function formatPublicKey(raw: Uint8Array): string {
  return PUBLIC_KEY_PREFIX + toBase64(raw);
}

/** A key's id: the first 16 hex digits of the SHA-256 of its raw bytes. */
export function keyIdOf(raw: Uint8Array): string {
  return createHash("sha256").update(raw).digest("hex").slice(0, 16);
}

/**
 * Parses public keys given as a list or as one comma-separated string (the
 * form of `TRUSTED_KEYS`). Empty items are skipped, duplicates kept once; a
 * malformed key throws KeyFormatError.
 */
export function parseTrustedKeys(keys: readonly string[] | string): TrustedKey[] {
  const items = (typeof keys === "string" ? keys.split(",") : keys)
    .map((k) => k.trim())
    .filter((k) => k !== "");
  const byId = new Map<string, TrustedKey>();
  for (const item of items) {
    const raw = decodePublicKey(item);
    const id = keyIdOf(raw);
    byId.set(id, { id, raw, text: formatPublicKey(raw) });
  }
  return [...byId.values()];
}

/** Signs the exact bytes of manifest.json; returns the text of manifest.sig. */
export async function signManifest(
  manifestBytes: Uint8Array<ArrayBuffer>,
  privateKey: CryptoKey,
  publicKey: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const signature = new Uint8Array(
    await crypto.subtle.sign(SIGNATURE_ALGORITHM, privateKey, manifestBytes),
  );
  const sig: ManifestSignature = {
    key_id: keyIdOf(publicKey),
    algorithm: SIGNATURE_ALGORITHM,
    signature: toBase64(signature),
  };
  return JSON.stringify(sig) + "\n";
}

/** Reads manifest.sig; returns a reason instead when it is not one. */
export function parseSignatureFile(
  bytes: Uint8Array,
): ManifestSignature | { error: string; keyId: string | null } {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { error: "manifest.sig is not JSON", keyId: null };
  }
  if (typeof value !== "object" || value === null) {
    return { error: "manifest.sig is not a JSON object", keyId: null };
  }
  const keyId = typeof value.key_id === "string" && KEY_ID.test(value.key_id) ? value.key_id : null;
  if (!keyId) return { error: "manifest.sig has no valid key_id", keyId: null };
  if (value.algorithm !== SIGNATURE_ALGORITHM) {
    return { error: `manifest.sig algorithm is not ${SIGNATURE_ALGORITHM}`, keyId };
  }
  const signature = typeof value.signature === "string" ? fromBase64(value.signature) : null;
  if (!signature || signature.length !== 64) {
    return { error: "manifest.sig signature is not the base64 of 64 bytes", keyId };
  }
  return { key_id: keyId, algorithm: SIGNATURE_ALGORITHM, signature: value.signature as string };
}

/**
 * Checks `signatureBytes` (manifest.sig, null when the package has none)
 * against the exact `manifestBytes` and the trusted keys.
 */
export async function verifyManifestSignature(
  manifestBytes: Uint8Array<ArrayBuffer>,
  signatureBytes: Uint8Array | null,
  keys: readonly TrustedKey[],
): Promise<VerifyResult> {
  if (signatureBytes === null) {
    return {
      ok: false,
      keyId: null,
      reason: "unsigned",
      message: "The package has no manifest.sig",
    };
  }
  const sig = parseSignatureFile(signatureBytes);
  if ("error" in sig) {
    return { ok: false, keyId: sig.keyId, reason: "malformed_signature", message: sig.error };
  }
  const key = keys.find((k) => k.id === sig.key_id);
  if (!key) {
    const known = keys.map((k) => k.id).join(", ") || "none";
    return {
      ok: false,
      keyId: sig.key_id,
      reason: "unknown_key",
      message:
        `manifest.sig is signed by key ${sig.key_id}, which is not trusted (trusted: ${known})`,
    };
  }
  const publicKey = await crypto.subtle.importKey("raw", key.raw, SIGNATURE_ALGORITHM, false, [
    "verify",
  ]);
  const valid = await crypto.subtle.verify(
    SIGNATURE_ALGORITHM,
    publicKey,
    fromBase64(sig.signature)!,
    manifestBytes,
  );
  if (!valid) {
    return {
      ok: false,
      keyId: sig.key_id,
      reason: "bad_signature",
      message: `manifest.sig does not match manifest.json for key ${sig.key_id}`,
    };
  }
  return { ok: true, keyId: sig.key_id };
}
