import assert from "node:assert/strict";
import { join } from "node:path";
import { TextReader, ZipWriter } from "@zip.js/zip.js";
import { makePackage, type MakePackageOptions } from "../../tests/helpers/make_package.ts";
import { HttpError } from "../errors.ts";
import { checkPackage } from "./package_check.ts";
import { parseTrustedKeys } from "../../package/signature.ts";
import { makeSignedPackage, newSigningKey } from "../../tests/helpers/signing.ts";

const FILES = { agent: "#!/bin/sh\necho agent\n", updater: "#!/bin/sh\necho updater\n" };

/** Writes a zip with exactly `entries` (no manifest unless given). */
async function writeZip(path: string, entries: Record<string, string>): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const zip = new ZipWriter(file.writable, { useWebWorkers: false });
  for (const [name, text] of Object.entries(entries)) await zip.add(name, new TextReader(text));
  await zip.close();
}

Deno.test("checkPackage returns the manifest of a good package", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "p.zip");
    await makePackage({ version: "1.2.0", files: FILES }, path);
    const { manifest, signedBy } = await checkPackage(path, "1.2.0");
    assert.equal(signedBy, null, "no keys given: no signature checked");
    assert.equal(manifest.version, "1.2.0");
    assert.deepEqual(manifest.files.map((f) => f.path), ["agent", "updater"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkPackage rejects bad packages with a message naming the problem", async (t) => {
  const dir = await Deno.makeTempDir();
  const pkg = (extra: Partial<MakePackageOptions>) => async (path: string) => {
    await makePackage({ version: "1.0.0", files: FILES, ...extra }, path);
  };
  const manifestFor = (version: string) =>
    JSON.stringify({
      name: "hangar-agent",
      version,
      platform: "portable",
      agent: "agent",
      updater: "updater",
      files: [],
    });
  const cases: [string, (path: string) => Promise<void>, RegExp][] = [
    ["not a zip", (p) => Deno.writeTextFile(p, "just text, not a zip ".repeat(100)), /not a zip/],
    ["an empty file", (p) => Deno.writeFile(p, new Uint8Array()), /not a zip/],
    ["a manifest for another version", pkg({ version: "1.0.1" }), /says version "1\.0\.1"/],
    ["a zip-slip entry", pkg({ extraEntries: { "../evil.sh": "x" } }), /unsafe entry .*\.\.\/evil/],
    ["a nested zip-slip entry", pkg({ extraEntries: { "a/../../b": "x" } }), /unsafe entry/],
    ["an absolute entry", pkg({ extraEntries: { "/etc/cron.d/x": "x" } }), /unsafe entry/],
    ["a drive-letter entry", pkg({ extraEntries: { "C:/x.exe": "x" } }), /unsafe entry/],
    ["no agent file", pkg({ files: { updater: "u" } }), /no agent file "agent"/],
    ["no updater file", pkg({ updater: "updater.exe" }), /no updater file "updater\.exe"/],
    ["no manifest", (p) => writeZip(p, { agent: "a", updater: "u" }), /no manifest\.json/],
    [
      "a manifest that is not JSON",
      (p) => writeZip(p, { "manifest.json": "{nope", agent: "a", updater: "u" }),
      /not valid JSON/,
    ],
    [
      "a manifest with a bad version",
      (p) => writeZip(p, { "manifest.json": manifestFor("one"), agent: "a", updater: "u" }),
      /manifest\.json is invalid: version/,
    ],
  ];
  try {
    for (const [what, build, message] of cases) {
      await t.step(what, async () => {
        const path = join(dir, `${crypto.randomUUID()}.zip`);
        await build(path);
        await assert.rejects(checkPackage(path, "1.0.0"), (e) => {
          assert.ok(e instanceof HttpError);
          assert.equal(e.status, 400);
          assert.match(e.message, message);
          return true;
        });
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkPackage with trusted keys accepts their signature and refuses the rest", async (t) => {
  const dir = await Deno.makeTempDir();
  const key = await newSigningKey();
  const stranger = await newSigningKey();
  const keys = await parseTrustedKeys([key.publicKey]);
  const options = { version: "1.0.0", files: FILES };
  try {
    await t.step("a package signed by a trusted key: signedBy is its id", async () => {
      const path = join(dir, "good.zip");
      await makeSignedPackage(options, path, key);
      assert.equal((await checkPackage(path, "1.0.0", keys)).signedBy, key.keyId);
    });
    const refusals: [string, (path: string) => Promise<unknown>, RegExp][] = [
      [
        "unsigned",
        (p) => makePackage(options, p),
        /\(unsigned\): The package has no manifest\.sig/,
      ],
      [
        "signed by an unknown key",
        (p) => makeSignedPackage(options, p, stranger),
        new RegExp(`\\(unknown_key\\): .*key ${stranger.keyId}, which is not trusted`),
      ],
      [
        "manifest edited after signing",
        (p) =>
          makeSignedPackage(options, p, key, (o) => ({
            ...o,
            manifestOverride: (m) => ({ ...m, platform: "windows-x64" }),
          })),
        new RegExp(`\\(bad_signature\\): .*key ${key.keyId}`),
      ],
    ];
    for (const [name, make, message] of refusals) {
      await t.step(`refuses a package ${name} with 400`, async () => {
        const path = join(dir, `${name}.zip`);
        await make(path);
        const error = await checkPackage(path, "1.0.0", keys).catch((e) => e);
        assert.ok(error instanceof HttpError, String(error));
        assert.equal(error.status, 400);
        assert.match(error.message, message);
        assert.match(error.message, new RegExp(`signed by ${key.keyId} \\(TRUSTED_KEYS\\)`));
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
