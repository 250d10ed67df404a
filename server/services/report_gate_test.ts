import assert from "node:assert/strict";
import { ReportGate } from "./report_gate.ts";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

Deno.test("ReportGate: the N+1-th report waits for a slot, then runs; none is lost", async () => {
  const gate = new ReportGate({ maxConcurrent: 2, maxWaitMs: 60_000 });
  const holds = [deferred(), deferred()];
  const running: number[] = [];
  const first = holds.map((hold, i) =>
    gate.run(async () => {
      running.push(i);
      await hold.promise;
      return i;
    })
  );
  let thirdRan = false;
  const third = gate.run(() => {
    thirdRan = true;
    return Promise.resolve(2);
  });
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(running, [0, 1]);
  assert.equal(thirdRan, false, "the third waits while two are in the database");
  holds[0].resolve();
  assert.deepEqual(await Promise.all([...first.slice(0, 1), third]), [0, 2]);
  assert.equal(thirdRan, true);
  holds[1].resolve();
  assert.equal(await first[1], 1);
});

Deno.test("ReportGate: a report that finds no slot within the wait runs nothing and gets null", async () => {
  const gate = new ReportGate({ maxConcurrent: 1, maxWaitMs: 20 });
  const hold = deferred();
  const held = gate.run(() => hold.promise.then(() => "held"));
  let ran = false;
  const refused = await gate.run(() => {
    ran = true;
    return Promise.resolve("late");
  });
  assert.equal(refused, null);
  assert.equal(ran, false);
  hold.resolve();
  assert.equal(await held, "held");
  // The slot is free again, and a failing report frees it too.
  await assert.rejects(gate.run(() => Promise.reject(new Error("db down"))), /db down/);
  assert.equal(await gate.run(() => Promise.resolve("next")), "next");
});
