import assert from "node:assert/strict";
import {
  decodePublicKey,
  formatPublicKey,
  keyIdOf,
  parseTrustedKeys,
  PUBLIC_KEY_PREFIX,
  signManifest,
  toBase64,
  verifyManifestSignature,
} from "./signature.ts";

async function newKey() {
  const pair = await crypto.subtle.generateKey("Ed25519", true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { privateKey: pair.privateKey, raw, text: formatPublicKey(raw), id: await keyIdOf(raw) };
}

const encode = (text: string) => new TextEncoder().encode(text);
const MANIFEST = encode('{"name":"hangar-agent","version":"1.2.0","files":[]}\n');

Deno.test("signManifest output verifies against the signer's public key", async () => {
  const key = await newKey();
  const sigText = await signManifest(MANIFEST, key.privateKey, key.raw);
  const sig = JSON.parse(sigText);
  assert.deepEqual(Object.keys(sig), ["key_id", "algorithm", "signature"]);
  assert.equal(sig.key_id, key.id);
  assert.equal(sig.algorithm, "Ed25519");
  const result = await verifyManifestSignature(
    MANIFEST,
    encode(sigText),
    await parseTrustedKeys([key.text]),
  );
  assert.deepEqual(result, { ok: true, keyId: key.id });
});

Deno.test("verifyManifestSignature refuses", async (t) => {
  const key = await newKey();
  const other = await newKey();
  const trusted = await parseTrustedKeys([key.text]);
  const good = await signManifest(MANIFEST, key.privateKey, key.raw);
  const sig = JSON.parse(good);
  const cases: [string, Uint8Array, Uint8Array | null, string, string | null][] = [
    ["a package without manifest.sig", MANIFEST, null, "unsigned", null],
    ["a signature that is not JSON", MANIFEST, encode("garbage"), "malformed_signature", null],
    [
      "another algorithm",
      MANIFEST,
      encode(JSON.stringify({ ...sig, algorithm: "RSA" })),
      "malformed_signature",
      key.id,
    ],
    [
      "a signature of the wrong length",
      MANIFEST,
      encode(JSON.stringify({ ...sig, signature: toBase64(new Uint8Array(10)) })),
      "malformed_signature",
      key.id,
    ],
    [
      "a key that is not trusted",
      MANIFEST,
      encode(await signManifest(MANIFEST, other.privateKey, other.raw)),
      "unknown_key",
      other.id,
    ],
    [
      "a manifest changed by one byte after signing",
      encode('{"name":"hangar-agent","version":"1.2.1","files":[]}\n'),
      encode(good),
      "bad_signature",
      key.id,
    ],
    [
      "an untrusted key that claims a trusted key's id",
      MANIFEST,
      encode(
        JSON.stringify({
          ...JSON.parse(await signManifest(MANIFEST, other.privateKey, other.raw)),
          key_id: key.id,
        }),
      ),
      "bad_signature",
      key.id,
    ],
  ];
  for (const [name, manifest, signature, reason, keyId] of cases) {
    await t.step(`${name} (${reason})`, async () => {
      const result = await verifyManifestSignature(
        manifest as Uint8Array<ArrayBuffer>,
        signature,
        trusted,
      );
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.reason, reason);
      assert.equal(result.keyId, keyId);
      assert.ok(result.message.length > 0);
    });
  }
});

Deno.test("parseTrustedKeys reads lists and comma-separated strings, with or without prefix", async () => {
  const a = await newKey();
  const b = await newKey();
  const bare = a.text.slice(PUBLIC_KEY_PREFIX.length);
  const keys = await parseTrustedKeys(` ${bare} ,${b.text},,${a.text}`);
  assert.deepEqual(keys.map((k) => k.id), [a.id, b.id], "duplicates kept once");
  assert.deepEqual(keys.map((k) => k.text), [a.text, b.text]);
  assert.deepEqual(await parseTrustedKeys([]), []);
  assert.deepEqual(await parseTrustedKeys(""), []);
});

Deno.test("decodePublicKey rejects what is not a 32-byte key", async (t) => {
  for (const bad of ["", "hangar-ed25519:", "not base64!", toBase64(new Uint8Array(31))]) {
    await t.step(`rejects "${bad}"`, () => {
      assert.throws(() => decodePublicKey(bad), /base64 of 32 bytes/);
    });
  }
});

Deno.test("keyIdOf is 16 hex digits of the SHA-256 of the raw key", async () => {
  const raw = new Uint8Array(32);
  // sha256 of 32 zero bytes starts 66687aadf862bd77.
  assert.equal(await keyIdOf(raw), "66687aadf862bd77");
});
