import assert from "node:assert/strict";
import { join } from "node:path";
import { parseTrustedKeys, verifyManifestSignature } from "../protocol/signing.ts";
import {
  buildManifest,
  makePackage,
  type MakePackageOptions,
} from "../tests/helpers/make_package.ts";
import {
  makeSignedPackage,
  newSigningKey,
  signatureFor,
  type SigningKey,
} from "../tests/helpers/signing.ts";
import { PackageError, verifyAndExtract } from "./package.ts";
import { parseKeys, SignatureError, verifySignature } from "./signature.ts";

const files = {
  agent: "#!/bin/sh\necho agent\n",
  updater: "#!/bin/sh\necho updater\n",
  "lib/agent.js": "console.log('agent 1.1.0');\n",
};
const OPTIONS: MakePackageOptions = { version: "1.1.0", files };
const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("parseKeys reads --trusted-keys like protocol/signing.ts and refuses bad keys", async () => {
  const a = await newSigningKey();
  const b = await newSigningKey();
  const list = `${a.publicKey}, ${b.publicKey.slice("hangar-ed25519:".length)}`;
  const protocolIds = (await parseTrustedKeys(list)).map((k) => k.id);
  assert.deepEqual((await parseKeys(list)).map((k) => k.id), protocolIds);
  assert.deepEqual(protocolIds, [a.keyId, b.keyId]);
  assert.deepEqual(await parseKeys(""), []);
  await assert.rejects(parseKeys("hangar-ed25519:abc"), /--trusted-keys: "hangar-ed25519:abc"/);
});

Deno.test("verifySignature agrees with the protocol's verifier", async (t) => {
  const key = await newSigningKey();
  const stranger = await newSigningKey();
  const manifest = encode(JSON.stringify(buildManifest(OPTIONS), null, 2));
  const good = encode(await signatureFor(OPTIONS, key));
  const cases: [string, Uint8Array<ArrayBuffer>, Uint8Array | null][] = [
    ["a good signature", manifest, good],
    ["no signature", manifest, null],
    ["not JSON", manifest, encode("{")],
    ["an unknown key", manifest, encode(await signatureFor(OPTIONS, stranger))],
    ["an edited manifest", encode(JSON.stringify(buildManifest(OPTIONS))), good],
  ];
  const protocolKeys = await parseTrustedKeys([key.publicKey]);
  const updaterKeys = await parseKeys(key.publicKey);
  for (const [name, bytes, sig] of cases) {
    await t.step(name, async () => {
      const expected = await verifyManifestSignature(bytes, sig, protocolKeys);
      const actual = await verifySignature(bytes, sig, updaterKeys).then(
        (keyId) => ({ ok: true, keyId }),
        (err: SignatureError) => ({ ok: false, keyId: err.keyId, reason: err.reason }),
      );
      assert.deepEqual(
        actual,
        expected.ok ? expected : { ok: false, keyId: expected.keyId, reason: expected.reason },
      );
    });
  }
});

Deno.test("verifyAndExtract with trusted keys", async (t) => {
  const key = await newSigningKey();
  const keys = await parseKeys(key.publicKey);
  const dir = await Deno.makeTempDir({ prefix: "hangar-updater-sig-" });
  let n = 0;
  const run = async (
    tamper: ((o: MakePackageOptions) => MakePackageOptions) | undefined,
    installedVersion: string | null = "1.0.0",
    signer: SigningKey | null = key,
  ) => {
    const zip = join(dir, `p${++n}.zip`);
    if (signer) await makeSignedPackage(OPTIONS, zip, signer, tamper);
    else await makePackage(OPTIONS, zip);
    return await verifyAndExtract(zip, join(dir, `s${n}`), { keys, installedVersion });
  };
  try {
    await t.step("extracts a package signed by a trusted key, manifest.sig included", async () => {
      const manifest = await run(undefined);
      assert.equal(manifest.version, "1.1.0");
      const sig = JSON.parse(await Deno.readTextFile(join(dir, `s${n}`, "manifest.sig")));
      assert.equal(sig.key_id, key.keyId);
    });
    const stranger = await newSigningKey();
    const refusals: [
      string,
      Parameters<typeof run>,
      string,
      string | null,
    ][] = [
      ["an unknown key", [undefined, "1.0.0", stranger], "unknown_key", stranger.keyId],
      ["an unsigned package", [undefined, "1.0.0", null], "unsigned", null],
      ["a package not newer than the installed one", [undefined, "1.1.0"], "downgrade", key.keyId],
      [
        "a file swapped after signing",
        [(o) => ({
          ...o,
          files: { ...o.files, "lib/agent.js": "evil();\n".padEnd(28) },
          manifestOverride: () => buildManifest(o),
        })],
        "file_mismatch",
        key.keyId,
      ],
      [
        "a file added after signing",
        [(o) => ({ ...o, extraEntries: { "lib/extra.js": "evil();" } })],
        "file_mismatch",
        key.keyId,
      ],
    ];
    for (const [name, args, reason, keyId] of refusals) {
      await t.step(`refuses ${name} (${reason})`, async () => {
        const err = await run(...args).catch((e) => e);
        assert.ok(err instanceof SignatureError, String(err));
        assert.ok(!(err instanceof PackageError));
        assert.equal(err.reason, reason);
        assert.equal(err.keyId, keyId);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
