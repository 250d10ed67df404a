import assert from "node:assert/strict";
import { join } from "node:path";
import {
  NEW_VERSION_AVAILABLE,
  type NewVersionPayload,
  SERVICE_RESTART_CLOSE_CODE,
  SERVICE_RESTART_CLOSE_REASON,
} from "../../protocol/mod.ts";
import { reconnectDelay, RESTART_RETRIES } from "../backoff.ts";
import { Logger } from "../log.ts";
import { WSClient } from "./ws_client.ts";

/** A WebSocket endpoint in this process that records what it receives and who connected. */
function wsServer() {
  const sockets: WebSocket[] = [];
  const received: string[] = [];
  const agentIds: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    if (new URL(req.url).pathname !== "/api/agent/ws") return new Response(null, { status: 404 });
    agentIds.push(req.headers.get("agent-id"));
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onmessage = (e) => received.push(String(e.data));
    sockets.push(socket);
    return response;
  });
  return { server, sockets, received, agentIds, url: `http://127.0.0.1:${server.addr.port}` };
}

async function until(check: () => boolean) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in 5 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("WSClient sends the agent headers, routes notices, sends nothing back and reconnects", async () => {
  const dir = await Deno.makeTempDir({ prefix: "agent-ws-" });
  const log = new Logger({ dir });
  const ws = wsServer();
  const notices: NewVersionPayload[] = [];
  const connects: boolean[] = [];
  const client = new WSClient({
    serverUrl: ws.url,
    headers: { "agent-id": "a1", "agent-token": "t1" },
    log,
    reconnectBaseMs: 10,
    reconnectMaxMs: 50,
  });
  try {
    client.start({
      onNewVersion: (payload) => notices.push(payload),
      onConnected: (reconnect) => connects.push(reconnect),
    });
    await until(() => client.connected && ws.sockets.length === 1);
    assert.deepEqual(ws.agentIds, ["a1"]);

    // No application-level ping exists (the server never sends one): it is ignored like any event.
    ws.sockets[0].send(JSON.stringify({ event: "ping" }));
    ws.sockets[0].send("not json");
    ws.sockets[0].send(
      JSON.stringify({ event: NEW_VERSION_AVAILABLE, payload: { new_stable_version: "x" } }),
    );
    ws.sockets[0].send(
      JSON.stringify({ event: NEW_VERSION_AVAILABLE, payload: { new_stable_version: "1.2.0" } }),
    );
    await until(() => notices.length === 1);
    assert.deepEqual(notices, [{ new_stable_version: "1.2.0" }]);

    ws.sockets[0].close();
    await until(() => ws.sockets.length === 2 && client.connected);
    assert.deepEqual(connects, [false, true]);
    ws.sockets[1].send(
      JSON.stringify({ event: NEW_VERSION_AVAILABLE, payload: { new_stable_version: "1.3.0" } }),
    );
    await until(() => notices.length === 2);
    assert.deepEqual(ws.received, [], "the agent sends nothing on its socket");
  } finally {
    client.close();
    await ws.server.shutdown();
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("WSClient keeps retrying while the server refuses the handshake", async () => {
  const dir = await Deno.makeTempDir({ prefix: "agent-ws-" });
  const log = new Logger({ dir });
  let attempts = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    attempts++;
    return new Response(null, { status: 401 });
  });
  const client = new WSClient({
    serverUrl: `http://127.0.0.1:${server.addr.port}`,
    headers: {},
    log,
    reconnectBaseMs: 10,
    reconnectMaxMs: 20,
  });
  try {
    client.start({ onNewVersion: () => {} });
    await until(() => attempts >= 3);
    assert.equal(client.connected, false);
    assert.match(Deno.readTextFileSync(join(dir, "agent.log")), /WebSocket reconnecting/);
  } finally {
    client.close();
    await server.shutdown();
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reconnectDelay: quick steady retries after 1012 Service Restart, then the backoff", () => {
  for (let attempt = 0; attempt < RESTART_RETRIES; attempt++) {
    const delay = reconnectDelay(attempt, SERVICE_RESTART_CLOSE_CODE, 60_000, 60_000);
    assert.ok(delay >= 500 && delay <= 2000, `attempt ${attempt}: ${delay} ms`);
  }
  // After the quick retries the normal backoff starts from its first step.
  assert.ok(reconnectDelay(RESTART_RETRIES, SERVICE_RESTART_CLOSE_CODE, 60_000, 60_000) >= 30_000);
  // Any other close backs off as before.
  assert.ok(reconnectDelay(0, 1001, 60_000, 60_000) >= 30_000);
  assert.ok(reconnectDelay(0, undefined, 60_000, 60_000) >= 30_000);
});

Deno.test("WSClient reconnects promptly after a 1012 Service Restart close despite a long backoff", async () => {
  const dir = await Deno.makeTempDir({ prefix: "agent-ws-" });
  const log = new Logger({ dir });
  const ws = wsServer();
  const connects: boolean[] = [];
  // A backoff of 30-60 s: only the restart rule can bring it back within `until`'s 5 s.
  const client = new WSClient({
    serverUrl: ws.url,
    headers: { "agent-id": "a1", "agent-token": "t1" },
    log,
    reconnectBaseMs: 60_000,
    reconnectMaxMs: 60_000,
  });
  try {
    client.start({ onNewVersion: () => {}, onConnected: (reconnect) => connects.push(reconnect) });
    await until(() => client.connected && ws.sockets.length === 1);
    ws.sockets[0].close(SERVICE_RESTART_CLOSE_CODE, SERVICE_RESTART_CLOSE_REASON);
    await until(() => ws.sockets.length === 2 && client.connected);
    assert.deepEqual(connects, [false, true]);
    assert.match(Deno.readTextFileSync(join(dir, "agent.log")), /"code":1012/);
  } finally {
    client.close();
    await ws.server.shutdown();
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
});
