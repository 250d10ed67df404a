import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { assertVersion, readTreeVersion, stampBuildTree } from "./stamp.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

Deno.test("stampBuildTree writes the version into a copy and leaves the tree alone", async () => {
  const before = await readFile(join(ROOT, "agent/version.ts"), "utf8");
  const tree = await stampBuildTree(ROOT, "9.8.7");
  try {
    assert.equal(await readTreeVersion(tree.dir), "9.8.7");
    assert.equal(await readFile(join(ROOT, "agent/version.ts"), "utf8"), before);
    // The doc comment above the VERSION line is kept; only the line changes.
    const stamped = await readFile(join(tree.dir, "agent/version.ts"), "utf8");
    assert.equal(stamped, before.replace(/VERSION = "[^"]*"/, 'VERSION = "9.8.7"'));
    for (const name of ["deno.json", "deno.lock", "protocol/mod.ts", "agent/main.ts"]) {
      assert.ok((await stat(join(tree.dir, name))).isFile(), `${name} is copied`);
    }
    const copiedTests = [...Deno.readDirSync(join(tree.dir, "protocol"))]
      .filter((e) => e.name.endsWith("_test.ts"));
    assert.deepEqual(copiedTests, []);
  } finally {
    await tree.remove();
  }
  await assert.rejects(stat(tree.dir), { code: "ENOENT" });
});

Deno.test("stampBuildTree builds two versions from one tree side by side", async () => {
  const a = await stampBuildTree(ROOT, "1.0.0");
  const b = await stampBuildTree(ROOT, "1.1.0");
  try {
    assert.notEqual(a.dir, b.dir);
    assert.equal(await readTreeVersion(a.dir), "1.0.0");
    assert.equal(await readTreeVersion(b.dir), "1.1.0");
  } finally {
    await a.remove();
    await b.remove();
  }
});

Deno.test("assertVersion accepts semantic versions and rejects the rest", async (t) => {
  for (const good of ["1.2.3", "0.0.1", "2.0.0-rc.1", "1.0.0+build.5"]) {
    await t.step(`accepts ${good}`, () => assert.equal(assertVersion(good), good));
  }
  for (const bad of ["1.2", "v1.2.3", "1.2.3.4", "", "01.2.3", "latest"]) {
    await t.step(`rejects "${bad}"`, () => {
      assert.throws(() => assertVersion(bad), { message: new RegExp(`"${bad}"`) });
    });
  }
});

Deno.test("stampBuildTree refuses an invalid version before copying anything", async () => {
  await assert.rejects(stampBuildTree(ROOT, "1.2"), /not a semantic version/);
});

Deno.test("stampBuildTree writes the trusted keys into the copy's agent/trusted_keys.ts", async () => {
  const key = `hangar-ed25519:${btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))}`;
  const before = await readFile(join(ROOT, "agent/trusted_keys.ts"), "utf8");
  const tree = await stampBuildTree(ROOT, "1.0.0", [key.slice("hangar-ed25519:".length), key]);
  try {
    assert.deepEqual(tree.trustedKeys, [key], "written with the prefix, once");
    const stamped = await readFile(join(tree.dir, "agent/trusted_keys.ts"), "utf8");
    assert.equal(
      stamped,
      before.replace(
        /TRUSTED_KEYS: readonly string\[\] = \[\]/,
        `TRUSTED_KEYS: readonly string[] = ["${key}"]`,
      ),
    );
    const { TRUSTED_KEYS } = await import(join(tree.dir, "agent/trusted_keys.ts"));
    assert.deepEqual(TRUSTED_KEYS, [key]);
    assert.equal(await readFile(join(ROOT, "agent/trusted_keys.ts"), "utf8"), before);
  } finally {
    await tree.remove();
  }
});

Deno.test("stampBuildTree refuses a malformed trusted key", async () => {
  await assert.rejects(
    stampBuildTree(ROOT, "1.0.0", ["hangar-ed25519:short"]),
    /base64 of 32 bytes/,
  );
});

Deno.test("stampBuildTree turns the test-only switches off unless asked", async () => {
  const shipped = await stampBuildTree(ROOT, "1.0.0");
  const forTests = await stampBuildTree(ROOT, "1.0.0", [], true);
  try {
    const hooks = async (dir: string) =>
      (await Deno.readTextFile(join(dir, "agent", "test_hooks.ts"))).match(
        /TEST_HOOKS: boolean = (\w+)/,
      )
        ?.[1];
    assert.equal(await hooks(shipped.dir), "false");
    assert.equal(await hooks(forTests.dir), "true");
    assert.equal(await hooks(ROOT), "true", "the source tree the tests run keeps them");
  } finally {
    await shipped.remove();
    await forTests.remove();
  }
});
