import assert from "node:assert/strict";
import { join } from "node:path";
import { agentPaths } from "../paths.ts";
import { HeldVersions } from "./held_versions.ts";
import { readLastUpdateResult } from "./last_update_result.ts";

const HOUR = 3600_000;
const RULE = { firstHoldMs: HOUR, maxHoldMs: 24 * HOUR };

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "agent-held-" });
  try {
    await Deno.mkdir(join(dir, "config"));
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("every failure holds a version back, twice as long each time, at most a day", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "config", "failed_update.json");
    const held = await HeldVersions.load(path);
    let now = Date.parse("2026-12-01T00:00:00Z");
    const holds: number[] = [];
    let attempts = 0;
    // A computer checking every hour for 3 days against a version that always fails.
    for (let hour = 0; hour < 72; hour++, now += HOUR) {
      if (held.heldBack("1.1.0", now)) continue;
      attempts++;
      const h = await held.recordFailure("1.1.0", "UpdateExtractionFailed", RULE, now);
      holds.push((Date.parse(h.hold_until) - now) / HOUR);
      if (hour < 24) assert.ok(attempts <= 5, `attempts on day 1: ${attempts}`);
    }
    assert.ok(attempts <= 8, `attempts in 3 days: ${attempts}`);
    holds.forEach((h, i) => {
      const nominal = Math.min(24, 2 ** i);
      assert.ok(h >= nominal * 0.9 && h <= nominal * 1.1, `hold ${i}: ${h} h`);
    });
    assert.equal(held.heldBack("1.1.1", now), null, "other versions go ahead");
    const reloaded = await HeldVersions.load(path);
    assert.equal(reloaded.get("1.1.0")?.failures, attempts);
    await reloaded.forgetUpTo("1.1.0");
    assert.equal((await HeldVersions.load(path)).get("1.1.0"), undefined);
    await Deno.writeTextFile(path, "\0\0\0");
    assert.equal((await HeldVersions.load(path)).get("1.1.0"), undefined);
  });
});

Deno.test("an updater result without a version is completed from the attempt record", async () => {
  await withDir(async (dir) => {
    const paths = agentPaths(dir);
    const attempt = {
      attempt_id: "a1",
      from_version: "1.0.0",
      to_version: "1.1.0",
      started_at: new Date().toISOString(),
    };
    await Deno.writeTextFile(paths.updateStatusAttempt, JSON.stringify(attempt));
    await Deno.writeTextFile(
      paths.updateResult,
      JSON.stringify({
        outcome: "failed",
        from_version: "1.0.0",
        to_version: null,
        error_type: "UpdateExtractionFailed",
        message: "entry AGENT is not listed",
      }),
    );
    const last = await readLastUpdateResult(paths);
    assert.equal(last?.toVersion, "1.1.0");
    assert.equal(last?.errorType, "UpdateExtractionFailed");
    assert.equal(last?.details.attempt_id, "a1");
    await last?.remove();
    assert.equal(await readLastUpdateResult(paths), null);
  });
});

Deno.test("a torn result of zero bytes is reported readably, without control characters", async () => {
  await withDir(async (dir) => {
    const paths = agentPaths(dir);
    await Deno.writeFile(paths.updateResult, new Uint8Array(100));
    const last = await readLastUpdateResult(paths);
    assert.equal(last?.errorType, "UpdateGeneralFailure");
    assert.match(last?.message ?? "", /unreadable \(100 bytes\)/);
    assert.ok(!String(last?.details.unreadable_result).includes("\0"));
    assert.match(String(last?.details.unreadable_result), /^(\\u0000)+$/);
  });
});
