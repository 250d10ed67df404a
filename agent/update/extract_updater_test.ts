import assert from "node:assert/strict";
import { join } from "node:path";
import { parseTrustedKeys, type TrustedKey } from "../../package/signature.ts";
import {
  buildManifest,
  makePackage,
  type MakePackageOptions,
} from "../../tests/helpers/make_package.ts";
import { makeSignedPackage, newSigningKey, type SigningKey } from "../../tests/helpers/signing.ts";
import { extractUpdater, type PackageExpectations } from "./extract_updater.ts";
import { UpdateError } from "./update_error.ts";

const PORTABLE_FILES = {
  "agent": "#!/bin/sh\necho agent\n",
  "agent.js": "console.log('agent')",
  "agent.cmd": "@echo agent",
  "updater": "#!/bin/sh\necho updater\n",
  "updater.js": "console.log('updater')",
  "updater.cmd": "@echo updater",
};

/** Offered 1.1.0 while 1.0.0 runs; no keys: a development build. */
const UNSIGNED: PackageExpectations = {
  version: "1.1.0",
  runningVersion: "1.0.0",
  trustedKeys: [],
};

async function withPackage(
  options: Partial<MakePackageOptions>,
  fn: (pkg: string, dest: string) => Promise<void>,
  raw?: Uint8Array,
) {
  const dir = await Deno.makeTempDir({ prefix: "agent-extract-" });
  const pkg = join(dir, "package.zip");
  try {
    if (raw) await Deno.writeFile(pkg, raw);
    else await makePackage({ version: "1.1.0", files: PORTABLE_FILES, ...options }, pkg);
    await fn(pkg, join(dir, "_update", "updater"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `fn` on a package signed by `key`, then changed by `tamper`. */
async function withSignedPackage(
  key: SigningKey,
  options: Partial<MakePackageOptions>,
  tamper: ((o: MakePackageOptions) => MakePackageOptions) | undefined,
  fn: (pkg: string, dest: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "agent-extract-signed-" });
  const pkg = join(dir, "package.zip");
  try {
    await makeSignedPackage(
      { version: "1.1.0", files: PORTABLE_FILES, ...options },
      pkg,
      key,
      tamper,
    );
    await fn(pkg, join(dir, "_update", "updater"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("extractUpdater takes only the updater and its companions, executable", async () => {
  await withPackage({}, async (pkg, dest) => {
    const { launcher, manifest, signedBy } = await extractUpdater(pkg, dest, UNSIGNED);
    assert.equal(manifest.version, "1.1.0");
    assert.equal(signedBy, null);
    const expected = Deno.build.os === "windows" ? "updater.cmd" : "updater";
    assert.equal(launcher, join(dest, expected));
    const names = [...Deno.readDirSync(dest)].map((e) => e.name).sort();
    assert.deepEqual(names, ["updater", "updater.cmd", "updater.js"]);
    assert.equal(Deno.readTextFileSync(join(dest, "updater.js")), "console.log('updater')");
    if (Deno.build.os !== "windows") assert.equal(Deno.statSync(launcher).mode! & 0o111, 0o111);
  });
});

Deno.test("extractUpdater fails with UpdateExtractionFailed", async (t) => {
  const cases: [string, Partial<MakePackageOptions>, RegExp, Uint8Array?][] = [
    ["when a file does not match the manifest", {
      manifestOverride: (m) => ({
        ...m,
        files: m.files.map((f) => f.path === "updater.js" ? { ...f, sha256: "0".repeat(64) } : f),
      }),
    }, /"updater\.js" does not match manifest\.json/],
    ["when the manifest lists a file the zip lacks", {
      manifestOverride: (m) => ({
        ...m,
        files: [...m.files, { path: "updater.dat", sha256: "0".repeat(64), size: 1 }],
      }),
    }, /missing "updater\.dat", which manifest\.json lists/],
    ["when the updater path escapes", {
      updater: "../updater",
      manifestOverride: (m) => ({
        ...m,
        files: [...m.files, { ...m.files[0], path: "../updater" }],
      }),
    }, /"\.\.\/updater" is not a safe relative path/],
    ["when the file is not a zip", {}, /not a readable zip/, new TextEncoder().encode("no zip")],
  ];
  for (const [name, options, pattern, raw] of cases) {
    await t.step(name, async () => {
      await withPackage(options, async (pkg, dest) => {
        const error = await extractUpdater(pkg, dest, UNSIGNED).catch((e) => e);
        assert.ok(error instanceof UpdateError, String(error));
        assert.equal(error.type, "UpdateExtractionFailed");
        assert.match(error.message, pattern);
      }, raw);
    });
  }
});

Deno.test("extractUpdater accepts a package signed by a trusted key", async () => {
  const key = await newSigningKey();
  const trustedKeys = await parseTrustedKeys([key.publicKey]);
  await withSignedPackage(key, {}, undefined, async (pkg, dest) => {
    const result = await extractUpdater(pkg, dest, { ...UNSIGNED, trustedKeys });
    assert.equal(result.signedBy, key.keyId);
    assert.equal(Deno.readTextFileSync(join(dest, "updater.js")), "console.log('updater')");
  });
});

Deno.test("extractUpdater refuses with UpdateSignatureInvalid", async (t) => {
  const key = await newSigningKey();
  const stranger = await newSigningKey();
  const trusted: TrustedKey[] = await parseTrustedKeys([key.publicKey]);
  const expect = { ...UNSIGNED, trustedKeys: trusted };
  const swapAgent = (o: MakePackageOptions): MakePackageOptions => ({
    ...o,
    files: { ...o.files, "agent.js": "console.log('evil')" },
    manifestOverride: () => buildManifest(o),
  });
  const cases: {
    name: string;
    signer: SigningKey | null;
    options?: Partial<MakePackageOptions>;
    tamper?: (o: MakePackageOptions) => MakePackageOptions;
    expected?: PackageExpectations;
    reason: string;
    keyId: string | null;
    message: RegExp;
  }[] = [
    {
      name: "an unsigned package",
      signer: null,
      reason: "unsigned",
      keyId: null,
      message: /no manifest\.sig/,
    },
    {
      name: "a package signed by an unknown key",
      signer: stranger,
      reason: "unknown_key",
      keyId: stranger.keyId,
      message: new RegExp(`key ${stranger.keyId}, which is not trusted`),
    },
    {
      name: "a manifest edited after signing",
      signer: key,
      tamper: (o) => ({ ...o, manifestOverride: (m) => ({ ...m, platform: "windows-x64" }) }),
      reason: "bad_signature",
      keyId: key.keyId,
      message: /does not match manifest\.json/,
    },
    {
      name: "a file swapped after signing (a non-updater file)",
      signer: key,
      tamper: swapAgent,
      reason: "file_mismatch",
      keyId: key.keyId,
      message: /"agent\.js" does not match manifest\.json/,
    },
    {
      name: "a signed package of another version than offered",
      signer: key,
      options: { version: "0.9.0" },
      reason: "version_mismatch",
      keyId: key.keyId,
      message: /is version 0\.9\.0, but version 1\.1\.0 was offered/,
    },
    {
      name: "a package not newer than the running agent",
      signer: key,
      expected: { ...expect, runningVersion: "1.1.0" },
      reason: "downgrade",
      keyId: key.keyId,
      message: /1\.1\.0 is not newer than the running 1\.1\.0/,
    },
    {
      name: "an unsigned development package of another version than offered",
      signer: null,
      options: { version: "1.2.0" },
      expected: UNSIGNED,
      reason: "version_mismatch",
      keyId: null,
      message: /is version 1\.2\.0, but version 1\.1\.0 was offered/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const check = async (pkg: string, dest: string) => {
        const error = await extractUpdater(pkg, dest, c.expected ?? expect).catch((e) => e);
        assert.ok(error instanceof UpdateError, String(error));
        assert.equal(error.type, "UpdateSignatureInvalid");
        assert.equal(error.details.reason, c.reason);
        assert.equal(error.details.key_id, c.keyId);
        assert.match(error.message, c.message);
      };
      if (c.signer) await withSignedPackage(c.signer, c.options ?? {}, c.tamper, check);
      else await withPackage(c.options ?? {}, check);
    });
  }
});
