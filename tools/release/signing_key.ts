/**
 * The release signing key: `keygen` writes a new Ed25519 key pair, a release
 * loads the private key (PKCS8, PEM or bare base64) from a file or from
 * HANGAR_SIGNING_KEY and writes `manifest.sig` beside `manifest.json`.
 */
import { join } from "node:path";
import { MANIFEST_NAME, SIGNATURE_NAME } from "../../package/mod.ts";
import {
  formatPublicKey,
  fromBase64,
  keyIdOf,
  SIGNATURE_ALGORITHM,
  signManifest,
  toBase64,
} from "../../package/signature.ts";

export interface SigningKey {
  privateKey: CryptoKey;
  publicRaw: Uint8Array<ArrayBuffer>;
  /** `hangar-ed25519:<base64>`: what agents and the server are told to trust. */
  publicKey: string;
  keyId: string;
}

const PEM_LABEL = "PRIVATE KEY";

function toPem(pkcs8: Uint8Array): string {
  const lines = toBase64(pkcs8).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${PEM_LABEL}-----\n${lines.join("\n")}\n-----END ${PEM_LABEL}-----\n`;
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(padded + "=".repeat((4 - padded.length % 4) % 4));
}

/** Generates a key pair; returns the private key as PEM and the public key. */
export async function generateSigningKey(): Promise<{ pem: string; key: SigningKey }> {
  const pair = await crypto.subtle.generateKey(SIGNATURE_ALGORITHM, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const pem = toPem(pkcs8);
  return { pem, key: await loadSigningKey(pem) };
}

/** Reads a private key written as PEM or as the bare base64 of its PKCS8 bytes. */
export async function loadSigningKey(text: string): Promise<SigningKey> {
  const body = text.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, "");
  const pkcs8 = fromBase64(body);
  let privateKey: CryptoKey;
  try {
    if (!pkcs8) throw new Error("not base64");
    // Extractable only long enough to read the public half from its JWK.
    const full = await crypto.subtle.importKey("pkcs8", pkcs8, SIGNATURE_ALGORITHM, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", full);
    privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, SIGNATURE_ALGORITHM, false, [
      "sign",
    ]);
    const publicRaw = jwk.x ? fromBase64Url(jwk.x) : null;
    if (!publicRaw || publicRaw.length !== 32) throw new Error("no public key in it");
    return {
      privateKey,
      publicRaw,
      publicKey: formatPublicKey(publicRaw),
      keyId: await keyIdOf(publicRaw),
    };
  } catch (error) {
    throw new Error(
      `Cannot read the signing key: expected an Ed25519 private key (PKCS8 PEM, as written by ` +
        `"deno task release keygen") (${(error as Error).message})`,
    );
  }
}

/**
 * Writes the private key to `path` readable by its owner only. An existing
 * file is never overwritten: losing a signing key is not undoable.
 */
export async function writePrivateKeyFile(path: string, pem: string): Promise<void> {
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 }).catch(
    (error) => {
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new Error(`${path} already exists; choose another path (keys are never overwritten)`);
      }
      throw error;
    },
  );
  try {
    // Created 0600 (a umask only removes bits). Windows ignores the mode: see docs/releasing.md.
    const bytes = new TextEncoder().encode(pem);
    for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
  } finally {
    file.close();
  }
}

/** Signs `<packageDir>/manifest.json` as it is on disk, writing `manifest.sig` beside it. */
export async function signPackageDir(packageDir: string, key: SigningKey): Promise<string> {
  const manifest = await Deno.readFile(join(packageDir, MANIFEST_NAME));
  const path = join(packageDir, SIGNATURE_NAME);
  await Deno.writeTextFile(path, await signManifest(manifest, key.privateKey, key.publicRaw));
  return path;
}

/**
 * The release's signing key: from `--signing-key FILE` or from the
 * HANGAR_SIGNING_KEY variable (the key itself, for CI secrets); null when
 * neither is given. Both at once is refused: which one signs must be clear.
 */
export async function resolveSigningKey(
  file: string | undefined,
  envValue: string | undefined,
): Promise<SigningKey | null> {
  if (file !== undefined && envValue) {
    throw new Error("Give the signing key once: --signing-key or HANGAR_SIGNING_KEY, not both");
  }
  if (file !== undefined) {
    const text = await Deno.readTextFile(file).catch((error) => {
      throw new Error(`Cannot read the signing key ${file}: ${(error as Error).message}`);
    });
    return await loadSigningKey(text);
  }
  return envValue ? await loadSigningKey(envValue) : null;
}
