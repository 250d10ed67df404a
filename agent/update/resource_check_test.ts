import assert from "node:assert/strict";
import { checkResources, freeBytes } from "./resource_check.ts";
import { UpdateError } from "./update_error.ts";

Deno.test("freeBytes reads the real volume", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.ok(await freeBytes(dir) > 0);
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("checkResources", async (t) => {
  const table: [string, number, boolean][] = [
    ["passes with exactly three times the package", 3000, true],
    ["passes with more", 10_000, true],
    ["fails one byte short", 2999, false],
    ["fails on a full disk", 0, false],
  ];
  for (const [name, free, ok] of table) {
    await t.step(name, async () => {
      const result = checkResources("/install", 1000, 3, () => Promise.resolve(free));
      if (ok) {
        assert.deepEqual(await result, { required_bytes: 3000, free_bytes: free });
        return;
      }
      const error = await result.catch((e) => e);
      assert.ok(error instanceof UpdateError);
      assert.equal(error.type, "UpdateResourceCheckFailed");
      assert.deepEqual(error.details, { required_bytes: 3000, free_bytes: free, path: "/install" });
    });
  }
});
