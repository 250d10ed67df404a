import assert from "node:assert/strict";
import { AgentState, canTransition, InvalidTransitionError, StateMachine } from "./agent_state.ts";

const S = AgentState;

Deno.test("AgentState lists the plan's states exactly", () => {
  assert.deepEqual(Object.values(AgentState), [
    "STARTING",
    "IDLE",
    "FORCE_RESTARTING",
    "UPDATING_STARTING",
    "UPDATING_DOWNLOADING",
    "UPDATING_VERIFYING",
    "UPDATING_EXTRACTING_UPDATER",
    "UPDATING_PREPARING_SHUTDOWN",
    "SHUTTING_DOWN",
    "STOPPED",
  ]);
});

Deno.test("StateMachine walks a whole update and logs every transition", () => {
  const seen: string[] = [];
  const machine = new StateMachine((from, to) => seen.push(`${from}>${to}`));
  const path = [
    S.IDLE,
    S.UPDATING_STARTING,
    S.UPDATING_DOWNLOADING,
    S.UPDATING_VERIFYING,
    S.UPDATING_EXTRACTING_UPDATER,
    S.UPDATING_PREPARING_SHUTDOWN,
    S.SHUTTING_DOWN,
    S.STOPPED,
  ];
  for (const state of path) machine.set(state);
  assert.equal(machine.state, S.STOPPED);
  assert.equal(seen.length, path.length);
  assert.equal(seen[0], "STARTING>IDLE");
  assert.equal(seen.at(-1), "SHUTTING_DOWN>STOPPED");
});

Deno.test("canTransition", async (t) => {
  const table: [AgentState, AgentState, boolean][] = [
    [S.IDLE, S.UPDATING_STARTING, true],
    [S.UPDATING_DOWNLOADING, S.IDLE, true], // a failed step returns to IDLE
    [S.UPDATING_VERIFYING, S.SHUTTING_DOWN, true], // a signal during an update
    [S.STARTING, S.UPDATING_STARTING, false], // updates start only from IDLE
    [S.UPDATING_STARTING, S.UPDATING_STARTING, false], // a second trigger
    [S.UPDATING_STARTING, S.UPDATING_VERIFYING, false], // no skipping the download
    [S.UPDATING_VERIFYING, S.UPDATING_DOWNLOADING, false], // steps run only forwards
    [S.IDLE, S.STOPPED, false], // STOPPED only after SHUTTING_DOWN
    [S.STOPPED, S.IDLE, false], // nothing after STOPPED
    [S.SHUTTING_DOWN, S.IDLE, false],
  ];
  for (const [from, to, allowed] of table) {
    await t.step(`${from} -> ${to} is ${allowed ? "allowed" : "rejected"}`, () => {
      assert.equal(canTransition(from, to), allowed);
    });
  }
});

Deno.test("StateMachine rejects an impossible transition and keeps its state", () => {
  const seen: string[] = [];
  const machine = new StateMachine((from, to) => seen.push(`${from}>${to}`));
  machine.set(S.IDLE);
  assert.throws(() => machine.set(S.UPDATING_VERIFYING), (error: unknown) => {
    assert.ok(error instanceof InvalidTransitionError);
    assert.equal(error.message, "Cannot change state from IDLE to UPDATING_VERIFYING");
    return true;
  });
  assert.equal(machine.state, S.IDLE);
  assert.deepEqual(seen, ["STARTING>IDLE"]);
});
