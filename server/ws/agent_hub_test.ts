import assert from "node:assert/strict";
import { AgentHub, type AgentSocket } from "./agent_hub.ts";

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
  let now = 1_000;
  const hub = new AgentHub(() => now);
  const changes: string[] = [];
  hub.onChange((id) => changes.push(id));

  hub.applyPresence("other", ["pc"], [], 90_000);
  assert.equal(hub.isOnline("pc"), true);
  assert.equal(hub.isConnectedHere("pc"), false);
  hub.applyPresence(hub.instance, [], ["pc"], 90_000);
  assert.equal(hub.isOnline("pc"), true, "its own echo is ignored");

  now += 60_000;
  hub.applyPresence("other", ["pc"], [], 90_000); // the periodic re-announcement
  now += 60_000;
  hub.expireRemote();
  assert.equal(hub.isOnline("pc"), true, "refreshed 60 s ago");

  now += 31_000; // the other instance died: no announcement for 91 s
  hub.expireRemote();
  assert.equal(hub.isOnline("pc"), false);
  assert.deepEqual(changes, ["pc", "pc"]);

  hub.applyPresence("other", ["pc2"], [], 90_000);
  hub.applyPresence("other", [], ["pc2"], 90_000);
  assert.equal(hub.isOnline("pc2"), false, "an explicit offline counts at once");
});

Deno.test("AgentHub broadcasts to a large fleet in waves, all of it in the end", async () => {
  const hub = new AgentHub(Date.now, { size: 2, intervalMs: 30 });
  const sentAt: number[] = [];
  const start = performance.now();
  for (let i = 0; i < 5; i++) {
    hub.add(`pc-${i}`, { send: () => void sentAt.push(performance.now() - start), close() {} });
  }
  assert.equal(hub.broadcast({ event: "x", payload: {} }), 5);
  assert.equal(sentAt.length, 2, "the first wave goes out at once");
  for (let i = 0; i < 100 && sentAt.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(sentAt.length, 5, "every socket is reached in the end");
  assert.ok(sentAt[2] >= 28 && sentAt[3] >= 28, `second wave at ${sentAt[2]} ms, not before 30`);
  assert.ok(sentAt[4] >= 58, `third wave at ${sentAt[4]} ms, not before 60`);
});

Deno.test("AgentHub.closeAll cancels waves still to go", async () => {
  const hub = new AgentHub(Date.now, { size: 1, intervalMs: 20 });
  const sockets = Array.from({ length: 3 }, () => socket());
  sockets.forEach((s, i) => hub.add(`pc-${i}`, s));
  hub.broadcast({ event: "x", payload: {} });
  hub.closeAll();
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(sockets.map((s) => s.sent.length), [1, 0, 0]);
});
