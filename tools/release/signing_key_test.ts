import assert from "node:assert/strict";
import { join } from "node:path";
import { parseTrustedKeys, toBase64, verifyManifestSignature } from "../../package/signature.ts";
import { keygen } from "./keygen.ts";
import {
  generateSigningKey,
  loadSigningKey,
  resolveSigningKey,
  signPackageDir,
  writePrivateKeyFile,
} from "./signing_key.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hangar-signing-key-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs keygen with console.log captured; returns what it printed on stdout. */
async function runKeygen(args: string[]): Promise<string> {
  const printed: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (line: string) => printed.push(line);
  console.error = () => {};
  try {
    assert.equal(await keygen(args), 0);
  } finally {
    console.log = log;
    console.error = error;
  }
  return printed.join("\n");
}

Deno.test("keygen writes an owner-only PEM key and prints its public key", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "release.pem");
    const printed = await runKeygen(["--out", path]);
    assert.match(printed, /^hangar-ed25519:[A-Za-z0-9+/]{43}=$/);
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const pem = await Deno.readTextFile(path);
    assert.match(
      pem,
      /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/,
    );
    assert.equal((await loadSigningKey(pem)).publicKey, printed);
  });
});

Deno.test("keygen never overwrites an existing key file", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "release.pem");
    await Deno.writeTextFile(path, "the old key");
    await assert.rejects(runKeygen(["--out", path]), /already exists/);
    assert.equal(await Deno.readTextFile(path), "the old key");
  });
});

Deno.test("loadSigningKey reads PEM and bare base64 alike and refuses other text", async () => {
  const { pem, key } = await generateSigningKey();
  const bare = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s/g, "");
  for (const text of [pem, bare, `  ${bare}\n`]) {
    const loaded = await loadSigningKey(text);
    assert.equal(loaded.publicKey, key.publicKey);
    assert.equal(loaded.keyId, key.keyId);
    assert.equal(loaded.privateKey.extractable, false);
  }
  await assert.rejects(loadSigningKey("hello"), /Cannot read the signing key/);
  await assert.rejects(loadSigningKey(toBase64(new Uint8Array(48))), /Cannot read the signing key/);
});

Deno.test("resolveSigningKey takes a file or HANGAR_SIGNING_KEY, not both", async () => {
  await withDir(async (dir) => {
    const { pem, key } = await generateSigningKey();
    const path = join(dir, "k.pem");
    await writePrivateKeyFile(path, pem);
    assert.equal((await resolveSigningKey(path, undefined))?.keyId, key.keyId);
    assert.equal((await resolveSigningKey(undefined, pem))?.keyId, key.keyId);
    assert.equal(await resolveSigningKey(undefined, undefined), null);
    assert.equal(await resolveSigningKey(undefined, ""), null);
    await assert.rejects(resolveSigningKey(path, pem), /not both/);
    await assert.rejects(resolveSigningKey(join(dir, "missing.pem"), undefined), /missing\.pem/);
  });
});

Deno.test("signPackageDir signs manifest.json exactly as it is on disk", async () => {
  await withDir(async (dir) => {
    const { key } = await generateSigningKey();
    const manifest = new TextEncoder().encode('{"version": "1.0.0"}\n');
    await Deno.writeFile(join(dir, "manifest.json"), manifest);
    const sigPath = await signPackageDir(dir, key);
    assert.equal(sigPath, join(dir, "manifest.sig"));
    const sig = await Deno.readFile(sigPath);
    const trusted = await parseTrustedKeys([key.publicKey]);
    assert.deepEqual(await verifyManifestSignature(manifest, sig, trusted), {
      ok: true,
      keyId: key.keyId,
    });
    const reformatted = new TextEncoder().encode('{"version":"1.0.0"}\n');
    assert.equal((await verifyManifestSignature(reformatted, sig, trusted)).ok, false);
  });
});
