import assert from "node:assert/strict";
import { join } from "node:path";
import { type ErrorReport, REPORT_SET_ASIDE, REPORTS_DROPPED } from "../protocol/mod.ts";
import { Logger } from "./log.ts";
import { Outbox, type OutboxOptions, type SendResult } from "./outbox.ts";

function report(n: number): ErrorReport {
  return {
    error_type: "TestError",
    message: `report ${n}`,
    timestamp: new Date().toISOString(),
    agent_version: "1.0.0",
  };
}

/** A receiving end that is down until `up` is set, and records what arrived. */
function receiver() {
  const state = {
    up: false,
    attempts: 0,
    received: [] as ErrorReport[],
    reject: new Set<string>(),
  };
  const send = (r: ErrorReport): Promise<SendResult> => {
    state.attempts++;
    if (!state.up) return Promise.resolve("retry");
    if (state.reject.has(r.message)) return Promise.resolve("rejected");
    state.received.push(r);
    return Promise.resolve("delivered");
  };
  return { state, send };
}

async function withOutboxDir(fn: (dir: string, log: Logger) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "agent-outbox-" });
  const log = new Logger({ dir: join(dir, "logs") });
  try {
    await fn(dir, log);
  } finally {
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function until(check: () => boolean) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in 5 s");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function open(dir: string, log: Logger, send: OutboxOptions["send"], max = 1000) {
  return Outbox.open({
    path: join(dir, "error_reports.jsonl"),
    send,
    log,
    agentVersion: "1.0.0",
    maxReports: max,
    retryBaseMs: 5,
    retryMaxMs: 20,
  });
}

Deno.test("Outbox keeps undelivered reports across a restart and delivers them in order, once", async () => {
  await withOutboxDir(async (dir, log) => {
    const first = receiver();
    const outbox = await open(dir, log, first.send);
    for (let i = 0; i < 5; i++) await outbox.add(report(i));
    await outbox.stop();
    const lines = (await Deno.readTextFile(join(dir, "error_reports.jsonl"))).trim().split("\n");
    assert.equal(lines.length, 5);

    const second = receiver();
    second.state.up = true;
    const reopened = await open(dir, log, second.send);
    reopened.flushNow();
    await until(() => reopened.pending.length === 0);
    await reopened.stop();
    assert.deepEqual(
      second.state.received.map((r) => r.message),
      [0, 1, 2, 3, 4].map((i) => `report ${i}`),
    );
    const ids = second.state.received.map((r) => r.report_id);
    assert.deepEqual(ids, lines.map((l) => JSON.parse(l).report_id));
    assert.equal(new Set(ids).size, 5);
    assert.equal(await Deno.readTextFile(join(dir, "error_reports.jsonl")), "");
  });
});

Deno.test("Outbox retries with backoff until the receiver is up", async () => {
  await withOutboxDir(async (dir, log) => {
    const { state, send } = receiver();
    const outbox = await open(dir, log, send);
    await outbox.add(report(1));
    await outbox.add(report(2));
    // Refused, then tried again after a backoff: three sends, none delivered.
    await until(() => state.attempts >= 3);
    assert.equal(state.received.length, 0);
    state.up = true;
    await until(() => outbox.pending.length === 0);
    await outbox.stop();
    assert.deepEqual(state.received.map((r) => r.message), ["report 1", "report 2"]);
  });
});

Deno.test("Outbox drops a report the server refuses and goes on with the next", async () => {
  await withOutboxDir(async (dir, log) => {
    const { state, send } = receiver();
    state.up = true;
    state.reject.add("report 1");
    const outbox = await open(dir, log, send);
    await outbox.add(report(1));
    await outbox.add(report(2));
    await until(() => outbox.pending.length === 0);
    await outbox.stop();
    assert.deepEqual(state.received.map((r) => r.error_type), ["TestError", REPORT_SET_ASIDE]);
    const notice = state.received.find((r) => r.error_type === REPORT_SET_ASIDE);
    assert.equal(notice?.details?.how, "rejected");
    assert.equal(notice?.details?.error_type, "TestError");
  });
});

Deno.test("Outbox: a refused report is dropped and a notice naming it is delivered after", async () => {
  await withOutboxDir(async (dir, log) => {
    const received: ErrorReport[] = [];
    const outbox = await open(dir, log, (r) => {
      if (r.message === "report 1") return Promise.resolve({ rejected: 400, message: "NUL" });
      received.push(r);
      return Promise.resolve("delivered");
    });
    await outbox.add(report(1));
    await outbox.add(report(2));
    await until(() => outbox.pending.length === 0);
    await outbox.stop();
    assert.deepEqual(received.map((r) => r.error_type), ["TestError", REPORT_SET_ASIDE]);
    assert.equal(received[1].details?.status, 400);
    assert.equal(received[1].details?.server_message, "NUL");
  });
});

Deno.test("Outbox: a report that keeps failing while later ones get through is quarantined", async () => {
  await withOutboxDir(async (dir, log) => {
    const received: string[] = [];
    let poisonTries = 0;
    const outbox = await open(dir, log, (r) => {
      if (r.message === "poison") {
        poisonTries++;
        return Promise.resolve("retry");
      }
      received.push(r.error_type === REPORT_SET_ASIDE ? "notice" : r.message);
      return Promise.resolve("delivered");
    });
    await outbox.add({ ...report(0), message: "poison" });
    for (let i = 1; i <= 4; i++) await outbox.add(report(i));
    await until(() => outbox.pending.length === 0);
    await outbox.stop();
    // The poison is tried first, and once more after each later report got through.
    assert.deepEqual(
      received.filter((m) => m !== "notice"),
      [1, 2, 3, 4].map((i) => `report ${i}`),
    );
    assert.equal(received.filter((m) => m === "notice").length, 1);
    assert.ok(poisonTries >= 3 && poisonTries <= 5, `poison tried ${poisonTries} times`);
    const quarantined = await Deno.readTextFile(join(dir, "error_reports.jsonl.quarantine"));
    assert.equal(JSON.parse(quarantined).message, "poison");
  });
});

Deno.test("Outbox: while the server is down, nothing is quarantined", async () => {
  await withOutboxDir(async (dir, log) => {
    const { state, send } = receiver();
    let calls = 0;
    const outbox = await open(dir, log, (r) => {
      calls++;
      return send(r);
    });
    for (let i = 0; i < 5; i++) await outbox.add(report(i));
    await until(() => calls >= 20);
    // Each pass tries the head and the one behind it, no more.
    state.up = true;
    await until(() => outbox.pending.length === 0);
    await outbox.stop();
    assert.deepEqual(
      state.received.map((r) => r.message),
      [0, 1, 2, 3, 4].map((i) => `report ${i}`),
    );
  });
});

Deno.test("Outbox waits as long as a busy reply asks, then delivers", async () => {
  await withOutboxDir(async (dir, log) => {
    const at: number[] = [];
    const outbox = await open(dir, log, () => {
      at.push(performance.now());
      return Promise.resolve(at.length === 1 ? { busyMs: 300 } : "delivered");
    });
    await outbox.add(report(1));
    await until(() => outbox.pending.length === 0);
    await outbox.stop();
    assert.equal(at.length, 2);
    // retryMaxMs is 20 here: the wait came from the reply, not the backoff.
    assert.ok(at[1] - at[0] >= 290, `waited ${at[1] - at[0]} ms`);
  });
});

Deno.test("Outbox is bounded: the oldest reports go, and their count is reported first", async () => {
  await withOutboxDir(async (dir, log) => {
    const { state, send } = receiver();
    const outbox = await open(dir, log, send, 10);
    for (let i = 0; i < 25; i++) await outbox.add(report(i));
    assert.ok(outbox.pending.length <= 10, `pending ${outbox.pending.length}`);
    await outbox.stop();

    state.up = true;
    const reopened = await open(dir, log, send, 10);
    reopened.flushNow();
    await until(() => reopened.pending.length === 0);
    await reopened.stop();
    const [notice, ...rest] = state.received;
    assert.equal(notice.error_type, REPORTS_DROPPED);
    const dropped = Number(notice.details?.dropped_count);
    assert.equal(dropped + rest.length, 25);
    // What is left is the newest reports, still in order.
    assert.deepEqual(
      rest.map((r) => r.message),
      rest.map((_, i) => `report ${25 - rest.length + i}`),
    );
  });
});

Deno.test("Outbox.open skips a line torn by a crash and keeps the others", async () => {
  await withOutboxDir(async (dir, log) => {
    const path = join(dir, "error_reports.jsonl");
    const good = JSON.stringify({ ...report(1), report_id: "r1" });
    await Deno.writeTextFile(path, `${good}\n{"error_type":"Tor`);
    const { state, send } = receiver();
    state.up = true;
    const outbox = await open(dir, log, send);
    outbox.flushNow();
    await until(() => outbox.pending.length === 0);
    await outbox.stop();
    assert.deepEqual(state.received.map((r) => r.report_id), ["r1"]);
  });
});
