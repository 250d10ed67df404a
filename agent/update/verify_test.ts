import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { sha256File } from "./verify.ts";

Deno.test("sha256File matches node:crypto over the whole file, whatever its size", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const MiB = 1024 * 1024;
    // Empty, one byte, exactly one read, and past the 64-read point where the loop yields.
    for (const size of [0, 1, MiB, 64 * MiB + 3]) {
      await t.step(`${size} bytes`, async () => {
        const bytes = randomBytes(size);
        const path = `${dir}/p-${size}.zip`;
        await Deno.writeFile(path, bytes);
        assert.equal(await sha256File(path), createHash("sha256").update(bytes).digest("hex"));
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
