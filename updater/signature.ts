/**
 * The updater's own check of `manifest.sig` (the updater imports nothing but
 * `agent/version.ts` and its own files, so this is a small copy of
 * `protocol/signing.ts`'s verifier; `signature_test.ts` checks the two agree).
 * The agent passes the keys it trusts with `--trusted-keys`; given keys, a
 * package must be signed by one of them, be newer than the installed version,
 * and match its signed manifest file for file (docs/security.md).
 */

const ALGORITHM = "Ed25519";
const KEY_PREFIX = "hangar-ed25519:";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface UpdaterKey {
  id: string;
  raw: Uint8Array<ArrayBuffer>;
}

/** The package is not one the given keys vouch for; nothing may be installed from it. */
export class SignatureError extends Error {
  override name = "SignatureError";
  constructor(readonly reason: string, readonly keyId: string | null, message: string) {
    super(message);
  }
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!BASE64.test(text)) return null;
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function keyId(raw: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  return [...digest.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Parses `--trusted-keys` (comma-separated public keys); throws an Error naming a bad one. */
export async function parseKeys(list: string): Promise<UpdaterKey[]> {
  const keys: UpdaterKey[] = [];
  for (const item of list.split(",").map((k) => k.trim()).filter((k) => k !== "")) {
    const raw = fromBase64(item.startsWith(KEY_PREFIX) ? item.slice(KEY_PREFIX.length) : item);
    if (!raw || raw.length !== 32) {
      throw new Error(`--trusted-keys: "${item.slice(0, 80)}" is not a ${KEY_PREFIX} public key`);
    }
    keys.push({ id: await keyId(raw), raw });
  }
  return keys;
}

/**
 * Checks manifest.sig (null: the package has none) against the exact
 * manifest bytes; returns the signing key's id or throws SignatureError.
 */
export async function verifySignature(
  manifestBytes: Uint8Array<ArrayBuffer>,
  signatureBytes: Uint8Array | null,
  keys: UpdaterKey[],
): Promise<string> {
  if (signatureBytes === null) {
    throw new SignatureError("unsigned", null, "The package has no manifest.sig");
  }
  let sig: Record<string, unknown>;
  try {
    sig = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(signatureBytes));
  } catch {
    throw new SignatureError("malformed_signature", null, "manifest.sig is not JSON");
  }
  const id = typeof sig?.key_id === "string" && /^[0-9a-f]{16}$/.test(sig.key_id)
    ? sig.key_id
    : null;
  const signature = typeof sig?.signature === "string" ? fromBase64(sig.signature) : null;
  if (!id || sig.algorithm !== ALGORITHM || !signature || signature.length !== 64) {
    throw new SignatureError(
      "malformed_signature",
      id,
      "manifest.sig needs a key_id, algorithm Ed25519 and a 64-byte base64 signature",
    );
  }
  const key = keys.find((k) => k.id === id);
  if (!key) {
    throw new SignatureError(
      "unknown_key",
      id,
      `manifest.sig is signed by key ${id}, which is not trusted (trusted: ${
        keys.map((k) => k.id).join(", ")
      })`,
    );
  }
  const publicKey = await crypto.subtle.importKey("raw", key.raw, ALGORITHM, false, ["verify"]);
  if (!await crypto.subtle.verify(ALGORITHM, publicKey, signature, manifestBytes)) {
    throw new SignatureError(
      "bad_signature",
      id,
      `manifest.sig does not match manifest.json for key ${id}`,
    );
  }
  return id;
}
