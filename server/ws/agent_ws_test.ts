/**
 * The WebSocket routes on a real listener (in this process, on a free port):
 * agents hear a version marked stable, the hub knows who is online, dead
 * sockets are dropped, and the admin live view follows both.
 */
import assert from "node:assert/strict";
import {
  COMPUTERS_CHANGED,
  type ComputerSummary,
  NEW_VERSION_AVAILABLE,
  SERVICE_RESTART_CLOSE_CODE,
  SERVICE_RESTART_CLOSE_REASON,
  SESSION_COOKIE,
  VERSIONS_CHANGED,
} from "../../protocol/mod.ts";
import { waitFor } from "../../tests/helpers/server_process.ts";
import { setStable, uploadVersion } from "../../tests/helpers/package_fixtures.ts";
import { makeTestApp, TEST_ADAPTERS, type TestApp } from "../../tests/helpers/test_app.ts";
import { openSocket, rawUpgrade } from "./_ws_fixtures.ts";
import { REPLACED_CLOSE_CODE } from "./agent_hub.ts";
import { AGENT_WS_MAX_MESSAGE_BYTES } from "./agent_ws.ts";

const POSTGRES = TEST_ADAPTERS.find((a) => a.adapter === "postgres")!;

async function computers(t: TestApp): Promise<Map<string, ComputerSummary>> {
  const res = await t.app.request("/api/admin/computers", { headers: t.adminHeaders });
  const list: ComputerSummary[] = await res.json();
  return new Map(list.map((c) => [c.id, c]));
}

async function onlineState(t: TestApp, computerId: string): Promise<boolean> {
  return (await computers(t)).get(computerId)!.online;
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `agents on /api/agent/ws hear a version marked stable and show online (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const url = await app.serve();
      const [a, b, idle] = [
        await app.registerAgent("pc-a"),
        await app.registerAgent("pc-b"),
        await app.registerAgent("pc-idle"),
      ];
      await app.db.query("UPDATE computers SET last_seen_at = NULL");
      const socketA = await openSocket(`${url}/api/agent/ws`, a.headers);
      // The other header spelling connects too.
      const socketB = await openSocket(`${url}/api/agent/ws`, {
        "x-agent-id": b.agent_id,
        "x-agent-token": b.agent_token,
      });

      await t.step("connected computers are online with last_seen_at set", async () => {
        const list = await waitFor("both online", async () => {
          const list = await computers(app);
          return list.get(a.computerId)!.online && list.get(b.computerId)!.online
            ? list
            : undefined;
        });
        assert.equal(list.get(idle.computerId)!.online, false);
        await waitFor(
          "last_seen_at",
          async () => (await computers(app)).get(a.computerId)!.last_seen_at ? true : undefined,
        );
      });

      await t.step("marking a version stable reaches both agents", async () => {
        const v120 = await uploadVersion(app, "1.2.0");
        const v130 = await uploadVersion(app, "1.3.0");
        await (await setStable(app, v130.id, true)).body?.cancel();
        for (const socket of [socketA, socketB]) {
          assert.deepEqual(await socket.next(NEW_VERSION_AVAILABLE), {
            event: NEW_VERSION_AVAILABLE,
            payload: { new_stable_version: "1.3.0" },
          });
        }
        // A lower version becoming stable still announces the highest stable one.
        socketA.messages.length = 0;
        await (await setStable(app, v120.id, true)).body?.cancel();
        assert.deepEqual((await socketA.next(NEW_VERSION_AVAILABLE)).payload, {
          new_stable_version: "1.3.0",
        });
      });

      await t.step("an agent that disconnects goes offline", async () => {
        await socketA.close();
        await waitFor(
          "pc-a offline",
          async () => await onlineState(app, a.computerId) ? undefined : true,
        );
        assert.equal(await onlineState(app, b.computerId), true);
      });
      await socketB.close();
    },
  });
}

Deno.test({
  name: `a second app on the same database delivers the event to its agents (${POSTGRES.label})`,
  ignore: POSTGRES.ignore,
  async fn() {
    await using first = await makeTestApp({ adapter: "postgres" });
    await using second = await makeTestApp({
      adapter: "postgres",
      databaseUrl: first.databaseUrl!,
    });
    const secondUrl = await second.serve();
    const agent = await first.registerAgent();
    const socket = await openSocket(`${secondUrl}/api/agent/ws`, agent.headers);
    // The first app learns of the agent on the second through presence announcements.
    await waitFor(
      "online on the first app",
      async () => await onlineState(first, agent.computerId) ? true : undefined,
    );
    const version = await uploadVersion(first, "2.0.0");
    const check = () =>
      second.app.request("/api/agent/check_update?current_version=1.0.0", {
        headers: agent.headers,
      });
    assert.equal((await check()).status, 204, "the second app caches: nothing stable");
    await (await setStable(first, version.id, true)).body?.cancel();
    assert.deepEqual((await socket.next(NEW_VERSION_AVAILABLE)).payload, {
      new_stable_version: "2.0.0",
    });
    // The notification also dropped the second app's cached version list.
    assert.equal((await (await check()).json()).version, "2.0.0");
    await socket.close();
    await waitFor(
      "offline on the first app",
      async () => await onlineState(first, agent.computerId) ? undefined : true,
    );
  },
});

Deno.test("agent WebSocket: bad credentials get 401 before any upgrade", async (t) => {
  await using app = await makeTestApp();
  const url = await app.serve();
  const agent = await app.registerAgent();
  const cases: [string, Record<string, string>][] = [
    ["no credentials", {}],
    ["a wrong token", { "agent-id": agent.agent_id, "agent-token": "wrong" }],
    ["an unknown agent", { "x-agent-id": "nobody", "x-agent-token": agent.agent_token }],
  ];
  for (const [what, headers] of cases) {
    await t.step(what, async () => {
      const { status, conn } = await rawUpgrade(`${url}/api/agent/ws`, headers);
      conn.close();
      assert.equal(status, 401);
    });
  }
  await t.step("good credentials: 101", async () => {
    const { status, conn } = await rawUpgrade(`${url}/api/agent/ws`, agent.headers);
    conn.close();
    assert.equal(status, 101);
  });
  await t.step("a plain GET: 400", async () => {
    const res = await fetch(`${url}/api/agent/ws`, { headers: agent.headers });
    assert.equal(res.status, 400);
    await res.body?.cancel();
  });
});

Deno.test("agent WebSocket: a client that stops answering pings is dropped", async () => {
  await using app = await makeTestApp({ wsIdleTimeoutSeconds: 1 });
  const url = await app.serve();
  const agent = await app.registerAgent();
  const { status, conn } = await rawUpgrade(`${url}/api/agent/ws`, agent.headers);
  try {
    assert.equal(status, 101);
    await waitFor("online", async () => await onlineState(app, agent.computerId) || undefined);
    // The raw connection never sends a pong: Deno pings, waits, and closes it.
    await waitFor(
      "dropped",
      async () => await onlineState(app, agent.computerId) ? undefined : true,
      10_000,
    );
  } finally {
    conn.close();
  }
});

Deno.test("admin WebSocket: the live view follows computers and versions", async (t) => {
  await using app = await makeTestApp();
  const url = await app.serve();
  const cookie = `${SESSION_COOKIE}=${app.adminToken}`;
  const admin = await openSocket(`${url}/api/admin/ws`, { cookie });

  await t.step("an agent connecting: admin:computers_changed", async () => {
    const agent = await app.registerAgent();
    const socket = await openSocket(`${url}/api/agent/ws`, agent.headers);
    assert.deepEqual((await admin.next(COMPUTERS_CHANGED)).payload, {
      computer_id: agent.computerId,
    });
    admin.messages.length = 0;
    await socket.close();
    assert.deepEqual((await admin.next(COMPUTERS_CHANGED)).payload, {
      computer_id: agent.computerId,
    });
  });

  await t.step("an upload and a stable flag: admin:versions_changed", async () => {
    const version = await uploadVersion(app, "1.0.0");
    assert.deepEqual(await admin.next(VERSIONS_CHANGED), { event: VERSIONS_CHANGED, payload: {} });
    admin.messages.length = 0;
    await (await setStable(app, version.id, true)).body?.cancel();
    await admin.next(VERSIONS_CHANGED);
  });

  await t.step("no session: 401; another origin: 403", async () => {
    const anonymous = await rawUpgrade(`${url}/api/admin/ws`, {});
    anonymous.conn.close();
    assert.equal(anonymous.status, 401);
    const foreign = await rawUpgrade(`${url}/api/admin/ws`, {
      cookie,
      origin: "https://evil.example",
    });
    foreign.conn.close();
    assert.equal(foreign.status, 403);
  });
  await admin.close();
});

/** A raw WebSocket that records how the server closed it. */
async function rawSocket(url: string, headers: Record<string, string>) {
  const ws = new WebSocket(url.replace(/^http/, "ws"), { headers } as unknown as string[]);
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("WebSocket failed"));
  });
  return { ws, closed };
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `agent sockets: oversized messages close the socket, one socket per agent (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const url = await app.serve();
      const agent = await app.registerAgent("pc-ws-limits");

      await t.step("a message over the cap closes the socket with 1009", async () => {
        const { ws, closed } = await rawSocket(`${url}/api/agent/ws`, agent.headers);
        ws.send(JSON.stringify({ event: "pong" })); // a small message under the cap: accepted
        ws.send("x".repeat(AGENT_WS_MAX_MESSAGE_BYTES + 1));
        assert.equal((await closed).code, 1009);
      });

      await t.step("a new socket of the same agent replaces the old one", async () => {
        const sockets = [];
        for (let i = 0; i < 5; i++) {
          sockets.push(await rawSocket(`${url}/api/agent/ws`, agent.headers));
        }
        for (const old of sockets.slice(0, -1)) {
          assert.equal((await old.closed).code, REPLACED_CLOSE_CODE);
        }
        const last = sockets.at(-1)!;
        assert.equal(last.ws.readyState, WebSocket.OPEN);
        assert.equal(app.deps.hub.size, 1);
        await waitFor(
          "online",
          async () => (await onlineState(app, agent.computerId)) || undefined,
        );
        last.ws.close();
        await last.closed;
      });
    },
  });
}

Deno.test("stopping the server closes agent sockets with 1012 Service Restart", async () => {
  await using app = await makeTestApp();
  const url = await app.serve();
  const agent = await app.registerAgent("pc-restart");
  const ws = new WebSocket(
    `${url.replace(/^http/, "ws")}/api/agent/ws`,
    { headers: agent.headers } as unknown as string[],
  );
  const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("agent WebSocket did not open"));
  });
  await waitFor("pc-restart online", async () => {
    const res = await app.app.request("/api/admin/computers", { headers: app.adminHeaders });
    const list: ComputerSummary[] = await res.json();
    return list.find((c) => c.id === agent.computerId)?.online ? true : undefined;
  });
  await app.deps.stop();
  const event = await closed;
  assert.equal(event.code, SERVICE_RESTART_CLOSE_CODE);
  assert.equal(event.code, 1012, "the RFC 6455 code agents and proxies know");
  assert.equal(event.reason, SERVICE_RESTART_CLOSE_REASON);
});
