import assert from "node:assert/strict";
import { parseDuration, parseRolloutSpec } from "./rollout_spec.ts";

Deno.test("parseRolloutSpec reads groups and percents, each with the stage wait", () => {
  assert.deepEqual(parseRolloutSpec("canary, 10%,50%,100%", 3600), [
    { groups: ["canary"], wait_s: 3600 },
    { percent: 10, wait_s: 3600 },
    { percent: 50, wait_s: 3600 },
    { percent: 100, wait_s: 3600 },
  ]);
});

Deno.test("parseRolloutSpec refuses what the server would refuse", async (t) => {
  for (const spec of ["", "canary,,10%", "0%", "101%", "50%,10%", "a b", "10.5%"]) {
    await t.step(JSON.stringify(spec), () => {
      assert.throws(() => parseRolloutSpec(spec, 0));
    });
  }
});

Deno.test("parseDuration reads s, m, h and d", async (t) => {
  const table: [string, number][] = [["90", 90], ["90s", 90], ["30m", 1800], ["1h", 3600], [
    "2d",
    172800,
  ]];
  for (const [text, seconds] of table) {
    await t.step(text, () => assert.equal(parseDuration(text), seconds));
  }
  assert.throws(() => parseDuration("1 hour"));
  assert.throws(() => parseDuration("31d"));
});
