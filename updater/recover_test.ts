import assert from "node:assert/strict";
import type { StepId } from "./journal.ts";
import { planRecovery } from "./recover.ts";

Deno.test("planRecovery rolls forward only when the new files are all in place or the update was confirmed", () => {
  const table: [StepId, boolean, "forward" | "back"][] = [
    ["1-wait", false, "back"],
    ["2-verify", false, "back"],
    ["3-backup", false, "back"],
    ["4-swap", false, "back"],
    ["4-swap", true, "forward"],
    ["5-launch", true, "forward"],
    ["5-launch", false, "back"],
    ["6-cleanup", true, "forward"],
    // Once a rollback began, the new agent had failed: never keep it.
    ["rollback", true, "back"],
    ["rollback", false, "back"],
  ];
  for (const [step, inPlace, expected] of table) {
    assert.equal(planRecovery(step, inPlace), expected, `${step}, new files in place: ${inPlace}`);
  }
});
