import assert from "node:assert/strict";
import { join } from "node:path";
import type { UpdateStatusReport } from "../../protocol/mod.ts";
import { AgentState } from "../core/agent_state.ts";
import { Logger } from "../log.ts";
import { UpdateStatusReporter } from "./update_status.ts";

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "hangar-status-" });
  await Deno.mkdir(join(dir, "config"));
  const received: UpdateStatusReport[] = [];
  let now = 1_000_000;
  const open = () =>
    UpdateStatusReporter.open({
      outboxPath: join(dir, "update_status.jsonl"),
      attemptPath: join(dir, "config", "update_attempt.json"),
      send: (report) => {
        received.push(report);
        return Promise.resolve("delivered");
      },
      log: new Logger({ dir: join(dir, "logs"), echo: false }),
      now: () => now,
    });
  /** Waits until `reporter` has sent every report it buffered (none left pending). */
  const settled = async (reporter: UpdateStatusReporter) => {
    for (let i = 0; i < 1000 && reporter.pending.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(reporter.pending.length, 0, "reports still pending after 5 s");
  };
  return {
    dir,
    received,
    open,
    settled,
    advance: (ms: number) => (now += ms),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("UpdateStatusReporter reports the states in order, progress at most every 5 s", async () => {
  await using s = await setup();
  const reporter = await s.open();
  await reporter.begin("1.0.0", "1.1.0");
  await reporter.progress(0.1); // under 5 s since begin: not sent
  s.advance(5_000);
  await reporter.progress(0.5);
  s.advance(1_000);
  await reporter.progress(0.6); // 1 s later: not sent
  await reporter.progress(1); // always sent
  await reporter.onAgentState(AgentState.UPDATING_VERIFYING);
  await reporter.onAgentState(AgentState.UPDATING_EXTRACTING_UPDATER); // no state of its own
  await reporter.onAgentState(AgentState.UPDATING_PREPARING_SHUTDOWN);
  await s.settled(reporter);
  await reporter.stop();
  assert.deepEqual(
    s.received.map((r) => [r.state, r.progress]),
    [
      ["downloading", 0],
      ["downloading", 0.5],
      ["downloading", 1],
      ["verifying", undefined],
      ["installing", undefined],
    ],
  );
  assert.equal(new Set(s.received.map((r) => r.attempt_id)).size, 1);
  assert.equal(s.received[0].from_version, "1.0.0");
  assert.equal(s.received[0].to_version, "1.1.0");
});

Deno.test("UpdateStatusReporter: the next agent settles the attempt as succeeded on the new version", async () => {
  await using s = await setup();
  const before = await s.open();
  await before.begin("1.0.0", "1.1.0");
  await before.stop();
  const attemptId = s.received[0]?.attempt_id;
  s.received.length = 0;
  const after = await s.open();
  await after.settle("1.1.0");
  await after.settle("1.1.0"); // once only
  await s.settled(after);
  await after.stop();
  const states = s.received.map((r) => r.state);
  assert.equal(states.at(-1), "succeeded");
  assert.equal(states.filter((x) => x === "succeeded").length, 1);
  if (attemptId) assert.equal(s.received.at(-1)?.attempt_id, attemptId);
});

Deno.test("UpdateStatusReporter: a rollback is settled as failed with the updater's error type", async () => {
  await using s = await setup();
  const before = await s.open();
  await before.begin("1.0.0", "1.1.0");
  await before.stop();
  s.received.length = 0;
  const after = await s.open();
  await after.settle("1.0.0", { error_type: "UpdateLaunchFailed", message: "exited at start" });
  await s.settled(after);
  await after.stop();
  const last = s.received.at(-1);
  assert.equal(last?.state, "failed");
  assert.equal(last?.error_type, "UpdateLaunchFailed");
  assert.equal(last?.message, "exited at start");
});

Deno.test("UpdateStatusReporter.failed reports once and forgets the attempt", async () => {
  await using s = await setup();
  const reporter = await s.open();
  await reporter.begin("1.0.0", "1.1.0");
  await reporter.failed("UpdateChecksumMismatch", "bad checksum");
  await reporter.settle("1.0.0"); // nothing left to settle
  await s.settled(reporter);
  await reporter.stop();
  assert.deepEqual(s.received.map((r) => r.state), ["downloading", "failed"]);
  await assert.rejects(Deno.stat(join(s.dir, "config", "update_attempt.json")));
});

Deno.test("UpdateStatusReporter: an attempt this agent began is not settled by a check meanwhile", async () => {
  await using s = await setup();
  const reporter = await s.open();
  await reporter.begin("1.0.0", "1.1.0");
  await reporter.settle("1.0.0"); // a check that ended while the update runs
  await reporter.failed("UpdateDownloadFailed", "connection refused");
  await s.settled(reporter);
  await reporter.stop();
  assert.deepEqual(
    s.received.map((r) => [r.state, r.error_type]),
    [["downloading", undefined], ["failed", "UpdateDownloadFailed"]],
  );
});
