import assert from "node:assert/strict";
import { join } from "node:path";
import { blockingFailure, recordFailedUpdate } from "./failed_update.ts";

Deno.test("blockingFailure holds back only the failed version, and only until the retry time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "failed_update.json");
    assert.equal(await blockingFailure(path, "1.1.0", 60_000), null, "nothing failed yet");
    const failedAt = Date.parse("2026-11-26T10:00:00Z");
    await recordFailedUpdate(path, {
      version: "1.1.0",
      failed_at: new Date(failedAt).toISOString(),
      error_type: "UpdateLaunchFailed",
    });
    const blocked = await blockingFailure(path, "1.1.0", 60_000, failedAt + 59_000);
    assert.equal(blocked?.error_type, "UpdateLaunchFailed");
    assert.equal(await blockingFailure(path, "1.1.0", 60_000, failedAt + 61_000), null);
    assert.equal(await blockingFailure(path, "1.1.1", 60_000, failedAt + 1_000), null);
    await Deno.writeTextFile(path, "{torn");
    assert.equal(await blockingFailure(path, "1.1.0", 60_000, failedAt), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
