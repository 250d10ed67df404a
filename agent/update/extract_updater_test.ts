import assert from "node:assert/strict";
import { join } from "node:path";
import { makePackage, type MakePackageOptions } from "../../tests/helpers/make_package.ts";
import { extractUpdater } from "./extract_updater.ts";
import { UpdateError } from "./update_error.ts";

const PORTABLE_FILES = {
  "agent": "#!/bin/sh\necho agent\n",
  "agent.js": "console.log('agent')",
  "agent.cmd": "@echo agent",
  "updater": "#!/bin/sh\necho updater\n",
  "updater.js": "console.log('updater')",
  "updater.cmd": "@echo updater",
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

Deno.test("extractUpdater takes only the updater and its companions, executable", async () => {
  await withPackage({}, async (pkg, dest) => {
    const { launcher, manifest } = await extractUpdater(pkg, dest, "1.1.0");
    assert.equal(manifest.version, "1.1.0");
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
    [
      "when the package is another version",
      { version: "1.2.0" },
      /is version 1\.2\.0, expected 1\.1\.0/,
    ],
    ["when a file does not match the manifest", {
      manifestOverride: (m) => ({
        ...m,
        files: m.files.map((f) => f.path === "updater.js" ? { ...f, sha256: "0".repeat(64) } : f),
      }),
    }, /updater\.js does not match the manifest/],
    ["when the manifest lists a file the zip lacks", {
      manifestOverride: (m) => ({
        ...m,
        files: [...m.files, { path: "updater.dat", sha256: "0".repeat(64), size: 1 }],
      }),
    }, /lacks updater\.dat/],
    ["when the updater path escapes", {
      updater: "../updater",
      manifestOverride: (m) => ({
        ...m,
        files: [...m.files, { ...m.files[0], path: "../updater" }],
      }),
    }, /Unsafe path/],
    ["when the file is not a zip", {}, /not a readable zip/, new TextEncoder().encode("no zip")],
  ];
  for (const [name, options, pattern, raw] of cases) {
    await t.step(name, async () => {
      await withPackage(options, async (pkg, dest) => {
        const error = await extractUpdater(pkg, dest, "1.1.0").catch((e) => e);
        assert.ok(error instanceof UpdateError, String(error));
        assert.equal(error.type, "UpdateExtractionFailed");
        assert.match(error.message, pattern);
      }, raw);
    });
  }
});
