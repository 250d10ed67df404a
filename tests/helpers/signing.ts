/**
 * Signing keys and signed package zips for tests: the real Ed25519 signing of
 * the release tool, over the exact manifest bytes `makePackage` writes.
 */
import { generateSigningKey, type SigningKey } from "../../tools/release/signing_key.ts";
import { signManifest } from "../../package/signature.ts";
import {
  buildManifest,
  type MadePackage,
  makePackage,
  type MakePackageOptions,
} from "./make_package.ts";

export type { SigningKey };

export async function newSigningKey(): Promise<SigningKey> {
  return (await generateSigningKey()).key;
}

/** The manifest.sig text `key` writes for the manifest `makePackage` would write for `options`. */
export async function signatureFor(options: MakePackageOptions, key: SigningKey): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(buildManifest(options), null, 2));
  return await signManifest(bytes, key.privateKey, key.publicRaw);
}

/**
 * Writes a package signed by `key`. `tamper` then changes what goes into the
 * zip (files, manifest) while the signature stays the one over the original.
 */
export async function makeSignedPackage(
  options: MakePackageOptions,
  outPath: string,
  key: SigningKey,
  tamper: (options: MakePackageOptions) => MakePackageOptions = (o) => o,
): Promise<MadePackage> {
  const signature = await signatureFor(options, key);
  const final = tamper(options);
  return await makePackage({
    ...final,
    extraEntries: { ...final.extraEntries, "manifest.sig": signature },
  }, outPath);
}
