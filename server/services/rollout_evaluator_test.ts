import assert from "node:assert/strict";
import type { RolloutRow } from "../db/rollouts.ts";
import { haltReason } from "./rollout_evaluator.ts";

const row = {
  id: "r",
  version: "1.2.0",
  max_failures: 3,
  max_failure_rate: 0.1,
} as RolloutRow;

Deno.test("haltReason: the rule holds or breaks by count and by rate", async (t) => {
  const table: [string, { failed: number; succeeded: number }, RegExp | null][] = [
    ["no attempts", { failed: 0, succeeded: 0 }, null],
    ["2 failures, under max_failures", { failed: 2, succeeded: 0 }, null],
    ["3 failures reach max_failures", { failed: 3, succeeded: 40 }, /3 update attempts/],
    ["2 of 9 finished: too few for the rate", { failed: 2, succeeded: 7 }, null],
    [
      "2 of 10 finished: 20% > 10%",
      { failed: 2, succeeded: 8 },
      /2 of 10 finished update attempts to 1\.2\.0 failed \(20%/,
    ],
    ["1 of 10 finished: 10% is not over 10%", { failed: 1, succeeded: 9 }, null],
  ];
  for (const [name, tally, expected] of table) {
    await t.step(name, () => {
      const reason = haltReason(row, { ...tally, in_progress: 0 }, [
        { error_type: "UpdateLaunchFailed", n: tally.failed },
      ]);
      if (expected === null) return assert.equal(reason, null);
      assert.match(reason ?? "", expected);
      assert.match(reason ?? "", /UpdateLaunchFailed x\d/);
      assert.match(reason ?? "", /cancel this rollout/);
    });
  }
});
