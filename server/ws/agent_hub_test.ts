import assert from "node:assert/strict";
import { AgentHub, type AgentSocket, type HubClock } from "./agent_hub.ts";

/** A clock that moves only when the test advances it, running the timers that fall due. */
function manualClock(start = 0): HubClock & { advance(ms: number): void } {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      timers.set(nextId, { at: now + ms, fn });
      return nextId++;
    },
    clearTimeout: (id) => void timers.delete(id as number),
    advance(ms) {
      const end = now + ms;
      while (true) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort(([, a], [, b]) => a.at - b.at);
        if (due.length === 0) break;
        const [id, timer] = due[0];
        timers.delete(id);
        now = timer.at;
        timer.fn();
      }
      now = end;
    },
  };
}

function socket(sent: string[] = []): AgentSocket & { sent: string[] } {
  return { sent, send: (data) => void sent.push(data), close() {} };
}

Deno.test("AgentHub reports a computer online once, however many sockets it opens", () => {
  const hub = new AgentHub();
  const changes: string[] = [];
  const local: string[] = [];
  hub.onChange((id) => changes.push(id));
  hub.onLocalPresence((id, here) => local.push(`${id}:${here}`));
  const [s1, s2] = [socket(), socket()];
  hub.add("pc", s1);
  hub.add("pc", s2);
  assert.equal(hub.isOnline("pc"), true);
  hub.remove("pc", s1);
  assert.equal(hub.isOnline("pc"), true, "one socket left");
  hub.remove("pc", s2);
  assert.equal(hub.isOnline("pc"), false);
  assert.deepEqual(changes, ["pc", "pc"]);
  assert.deepEqual(local, ["pc:true", "pc:false"]);
});

Deno.test("AgentHub broadcasts to every socket here", () => {
  const hub = new AgentHub();
  const [a, b] = [socket(), socket()];
  hub.add("a", a);
  hub.add("b", b);
  assert.equal(hub.broadcast({ event: "x", payload: { n: 1 } }), 2);
  assert.deepEqual([a.sent, b.sent], [['{"event":"x","payload":{"n":1}}'], [
    '{"event":"x","payload":{"n":1}}',
  ]]);
});

Deno.test("AgentHub trusts another instance's announcement until it expires", () => {
  const clock = manualClock(1_000);
  const hub = new AgentHub(clock);
  const changes: string[] = [];
  hub.onChange((id) => changes.push(id));

  hub.applyPresence("other", ["pc"], [], 90_000);
  assert.equal(hub.isOnline("pc"), true);
  assert.equal(hub.isConnectedHere("pc"), false);
  hub.applyPresence(hub.instance, [], ["pc"], 90_000);
  assert.equal(hub.isOnline("pc"), true, "its own echo is ignored");

  clock.advance(60_000);
  hub.applyPresence("other", ["pc"], [], 90_000); // the periodic re-announcement
  clock.advance(60_000);
  hub.expireRemote();
  assert.equal(hub.isOnline("pc"), true, "refreshed 60 s ago");

  clock.advance(31_000); // the other instance died: no announcement for 91 s
  hub.expireRemote();
  assert.equal(hub.isOnline("pc"), false);
  assert.deepEqual(changes, ["pc", "pc"]);

  hub.applyPresence("other", ["pc2"], [], 90_000);
  hub.applyPresence("other", [], ["pc2"], 90_000);
  assert.equal(hub.isOnline("pc2"), false, "an explicit offline counts at once");
});

Deno.test("AgentHub broadcasts to a large fleet in waves, all of it in the end", () => {
  const clock = manualClock();
  const hub = new AgentHub(clock, { size: 2, intervalMs: 30 });
  const sentAt: number[] = [];
  for (let i = 0; i < 5; i++) {
    hub.add(`pc-${i}`, { send: () => void sentAt.push(clock.now()), close() {} });
  }
  assert.equal(hub.broadcast({ event: "x", payload: {} }), 5);
  assert.equal(sentAt.length, 2, "the first wave goes out at once");
  clock.advance(29);
  assert.equal(sentAt.length, 2, "no second wave before 30 ms");
  clock.advance(1_000);
  assert.equal(sentAt.length, 5, "every socket is reached in the end");
  assert.ok(sentAt[2] >= 28 && sentAt[3] >= 28, `second wave at ${sentAt[2]} ms, not before 30`);
  assert.ok(sentAt[4] >= 58, `third wave at ${sentAt[4]} ms, not before 60`);
});

Deno.test("AgentHub.closeAll cancels waves still to go", () => {
  const clock = manualClock();
  const hub = new AgentHub(clock, { size: 1, intervalMs: 20 });
  const sockets = Array.from({ length: 3 }, () => socket());
  sockets.forEach((s, i) => hub.add(`pc-${i}`, s));
  hub.broadcast({ event: "x", payload: {} });
  hub.closeAll();
  clock.advance(60);
  assert.deepEqual(sockets.map((s) => s.sent.length), [1, 0, 0]);
});
