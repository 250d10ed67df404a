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
