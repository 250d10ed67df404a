import assert from "node:assert/strict";
import { spaceNeeded } from "../../package/mod.ts";
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
  // 2 MiB to download: the margin is its 1 MiB floor.
  const need = spaceNeeded({ download: 2 * 1024 * 1024 });
  const required = 3 * 1024 * 1024;
  assert.equal(need.required_bytes, required);
  const table: [string, number, boolean][] = [
    ["passes with exactly the need", required, true],
    ["passes with more", required * 10, true],
    ["fails one byte short", required - 1, false],
    ["fails on a full disk", 0, false],
  ];
  for (const [name, free, ok] of table) {
    await t.step(name, async () => {
      const result = checkResources("/install", need, () => Promise.resolve(free));
      if (ok) {
        assert.deepEqual(await result, { ...need, free_bytes: free });
        return;
      }
      const error = await result.catch((e) => e);
      assert.ok(error instanceof UpdateError);
      assert.equal(error.type, "UpdateResourceCheckFailed");
      assert.deepEqual(error.details, { ...need, free_bytes: free, path: "/install" });
    });
  }
});
