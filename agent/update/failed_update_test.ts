import assert from "node:assert/strict";
import { join } from "node:path";
import { blocksVersion, readFailedUpdate, recordFailedUpdate } from "./failed_update.ts";

Deno.test("a failed version is held back only until the retry time, other versions are not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "failed_update.json");
    assert.equal(await readFailedUpdate(path), null, "nothing failed yet");
    const failedAt = Date.parse("2026-11-26T10:00:00Z");
    await recordFailedUpdate(path, {
      version: "1.1.0",
      failed_at: new Date(failedAt).toISOString(),
      error_type: "UpdateLaunchFailed",
    });
    const failure = await readFailedUpdate(path);
    assert.equal(blocksVersion(failure, "1.1.0", 60_000, failedAt + 59_000), true);
    assert.equal(blocksVersion(failure, "1.1.0", 60_000, failedAt + 61_000), false);
    assert.equal(blocksVersion(failure, "1.1.1", 60_000, failedAt + 1_000), false);
    await Deno.writeTextFile(path, "{torn");
    assert.equal(await readFailedUpdate(path), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an interrupted update is not held against the version", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "failed_update.json");
    const recorded = await recordFailedUpdate(path, {
      version: "1.1.0",
      failed_at: new Date().toISOString(),
      error_type: "UpdateGeneralFailure",
    });
    assert.equal(recorded, null);
    assert.equal(await readFailedUpdate(path), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
