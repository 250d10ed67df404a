/**
 * Two real server processes on one fresh PostgreSQL database and 500
 * simulated agents (ROLLOUT_FLEET_SIZE to change it), half connected by
 * WebSocket to each. A 10% stage offers the version to exactly the computers
 * its `counts.cohort` says, the same on every check and on both instances;
 * pinned and paused computers are never offered it; `advance` (on the other
 * instance) widens the cohort and only the newly included connected agents
 * are told; 3 failures halt it and nobody is offered it any more; cancel,
 * then a new rollout advances and completes on its own — each automatic step
 * taken by one instance only (the audit log) — and the version is stable for
 * everyone; a computer deleted on one instance is refused on both. Needs
 * DATABASE_URL; ignored without it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type AuditEntry, NEW_VERSION_AVAILABLE, type Rollout } from "../protocol/mod.ts";
import { openSocket, type TestSocket } from "../server/ws/_ws_fixtures.ts";
import { bucketOf } from "../server/services/rollout_cohort.ts";
import { makePackage } from "./helpers/make_package.ts";
import { createTestDatabase, NO_POSTGRES } from "./helpers/postgres.ts";
import {
  adminFetch,
  registerAgent,
  startServer,
  type TestServer,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";

const FLEET = Number(Deno.env.get("ROLLOUT_FLEET_SIZE") ?? 500);

interface SimAgent {
  id: string;
  headers: Record<string, string>;
  server: TestServer;
  socket: TestSocket;
  pinned: boolean;
  paused: boolean;
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T, i: number) => Promise<R>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j))));
  }
  return out;
}

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

Deno.test({
  name: `rollouts with ${FLEET} simulated agents on two server instances (PostgreSQL)`,
  ignore: NO_POSTGRES,
  async fn(t) {
    const database = await createTestDatabase();
    const dataDir = await Deno.makeTempDir({ prefix: "hangar-rollout-fleet-" });
    const env = { DATABASE_URL: database.url };
    const servers: TestServer[] = [];
    const agents: SimAgent[] = [];
    try {
      servers.push(await startServer({ env, dataDir }));
      servers.push(await startServer({ env, dataDir }));
      const [first, second] = servers;
      const computers = await inBatches([...Array(FLEET).keys()], 25, async (i) => {
        const server = servers[i % 2];
        const creds = await registerAgent(server, `sim-${i}`, "1.0.0");
        return { server, creds };
      });
      const listed = await adminFetch<{ id: string; agent_id: string }[]>(first, "/computers");
      const idOf = new Map(listed.map((c) => [c.agent_id, c.id]));
      await inBatches(computers, 50, async ({ server, creds }, i) => {
        const headers = { "agent-id": creds.agent_id, "agent-token": creds.agent_token };
        const id = idOf.get(creds.agent_id)!;
        const pinned = i % 10 === 1;
        const paused = i % 10 === 2;
        if (pinned || paused) {
          const patch = pinned ? { pinned_version: "1.0.5" } : { updates_paused: true };
          await adminFetch(server, `/computers/${id}`, json("PATCH", patch));
        }
        const socket = await openSocket(`${server.url}/api/agent/ws`, headers);
        agents.push({ id, headers, server, socket, pinned, paused });
      });

      const zip = join(dataDir, "upload.zip");
      await makePackage({ version: "1.1.0", files: { agent: "a", updater: "u" } }, zip);
      const version = await uploadPackage(first, zip, "1.1.0");
      const offeredOn = async (server: TestServer) =>
        new Set(
          (await inBatches(agents, 50, async (agent) => {
            const res = await fetch(
              `${server.url}/api/agent/check_update?current_version=1.0.0`,
              { headers: agent.headers },
            );
            if (res.status === 204) return null;
            const body = await res.json();
            return body.version === "1.1.0" ? agent.id : null;
          })).filter((id): id is string => id !== null),
        );
      const told = () =>
        agents.filter((a) => a.socket.messages.some((m) => m.event === NEW_VERSION_AVAILABLE));
      const eligible = (a: SimAgent) => !a.pinned && !a.paused;
      /**
       * Counts instead of waiting for stray notices: each instance logs once how many sockets
       * it told of `stage`; once both have, and that many more agents heard, all were told.
       */
      const allTold = async (stage: number, toldBefore: number) => {
        const sockets = await waitFor(`both instances telling stage ${stage}`, () => {
          const entries = servers.flatMap((s) => s.output().split("\n"))
            .filter((line) => line.includes("told agents newly in a rollout's cohort"))
            .flatMap((line) => {
              try {
                return [JSON.parse(line)];
              } catch {
                return []; // a line still being written
              }
            })
            .filter((e) => e.rollout_id === rollout.id && e.stage_index === stage);
          return entries.length === servers.length
            ? entries.reduce((sum, e) => sum + e.sockets, 0)
            : undefined;
        }, 30_000);
        await waitFor(
          `${sockets} more agents told`,
          () => told().length >= toldBefore + sockets ? true : undefined,
          30_000,
        );
      };

      let rollout!: Rollout;
      let tenPercent = new Set<string>();
      await t.step(
        "10%: exactly counts.cohort computers are offered it, on both instances",
        async () => {
          rollout = await adminFetch<Rollout>(
            first,
            "/rollouts",
            json("POST", {
              version_id: version.id,
              stages: [{ percent: 10, wait_s: 3600 }, { percent: 50, wait_s: 3600 }],
              max_failures: 3,
            }),
          );
          tenPercent = new Set(
            agents.filter((a) => bucketOf(rollout.id, a.id) < 10 && eligible(a)).map((a) => a.id),
          );
          assert.ok(tenPercent.size > FLEET * 0.04, `cohort of ${tenPercent.size}`);
          assert.equal(rollout.counts.cohort, tenPercent.size);
          for (const server of [first, second, first]) {
            assert.deepEqual([...await offeredOn(server)].sort(), [...tenPercent].sort());
          }
          assert.ok(
            agents.some((a) => !eligible(a) && bucketOf(rollout.id, a.id) < 10),
            "some pinned or paused computers fall in the 10%",
          );
        },
      );

      await t.step("only the connected agents in the 10% were told", async () => {
        await waitFor("every cohort socket told", () => {
          const ids = new Set(told().map((a) => a.id));
          return [...tenPercent].every((id) => ids.has(id)) ? true : undefined;
        }, 30_000);
        await allTold(0, 0);
        assert.deepEqual(told().map((a) => a.id).sort(), [...tenPercent].sort());
      });

      let fiftyPercent = new Set<string>();
      await t.step(
        "advance on the other instance: 50%, only the newly included are told",
        async () => {
          const advanced = await adminFetch<Rollout>(
            second,
            `/rollouts/${rollout.id}/advance`,
            json("POST"),
          );
          fiftyPercent = new Set(
            agents.filter((a) => bucketOf(rollout.id, a.id) < 50 && eligible(a)).map((a) => a.id),
          );
          assert.equal(advanced.counts.cohort, fiftyPercent.size);
          for (const server of [second, first]) {
            assert.deepEqual([...await offeredOn(server)].sort(), [...fiftyPercent].sort());
          }
          await waitFor("the newly included told", () => {
            const ids = new Set(told().map((a) => a.id));
            return [...fiftyPercent].every((id) => ids.has(id)) ? true : undefined;
          }, 30_000);
          await allTold(1, tenPercent.size);
          assert.deepEqual(told().map((a) => a.id).sort(), [...fiftyPercent].sort());
          for (const agent of agents) {
            const events = agent.socket.messages.filter((m) => m.event === NEW_VERSION_AVAILABLE);
            assert.ok(events.length <= 1, `${agent.id} was told ${events.length} times`);
          }
        },
      );

      await t.step("3 failures halt it; nobody is offered it any more", async () => {
        const failing = agents.filter((a) => fiftyPercent.has(a.id)).slice(0, 3);
        for (const agent of failing) {
          const res = await fetch(`${agent.server.url}/api/agent/update-status`, {
            ...json("POST", {
              attempt_id: crypto.randomUUID(),
              from_version: "1.0.0",
              to_version: "1.1.0",
              state: "failed",
              error_type: "UpdateLaunchFailed",
              message: "simulated",
            }),
            headers: { ...agent.headers, "content-type": "application/json" },
          });
          assert.equal(res.status, 204);
          await res.body?.cancel();
        }
        const halted = await waitFor("the halt", async () => {
          const r = await adminFetch<Rollout>(second, `/rollouts/${rollout.id}`);
          return r.status === "halted" ? r : undefined;
        }, 30_000);
        assert.match(halted.halt_reason ?? "", /3 update attempts/);
        assert.equal(halted.counts.failed, 3);
        for (const server of [first, second]) assert.equal((await offeredOn(server)).size, 0);
      });

      await t.step(
        "cancel, then a new rollout advances and completes by itself, once",
        async () => {
          await adminFetch(first, `/rollouts/${rollout.id}/cancel`, json("POST"));
          const next = await adminFetch<Rollout>(
            second,
            "/rollouts",
            json("POST", {
              version_id: version.id,
              stages: [{ percent: 10, wait_s: 1 }, { percent: 100, wait_s: 1 }],
            }),
          );
          await waitFor("completion", async () => {
            const r = await adminFetch<Rollout>(first, `/rollouts/${next.id}`);
            return r.status === "completed" ? r : undefined;
          }, 60_000);
          const audit = await adminFetch<AuditEntry[]>(first, "/audit?limit=500");
          const system = audit.filter((e) => e.actor === "system").map((e) => e.action).sort();
          assert.deepEqual(
            system,
            ["rollout.advance", "rollout.complete", "rollout.halt"],
            "each automatic step once, by one instance",
          );
          const versions = await adminFetch<{ id: string; is_stable: boolean }[]>(
            second,
            "/agents/versions",
          );
          assert.equal(versions.find((v) => v.id === version.id)?.is_stable, true);
          // Each instance hears of the completion through LISTEN/NOTIFY: give it a moment.
          const everyone = JSON.stringify(agents.filter(eligible).map((a) => a.id).sort());
          for (const server of [first, second]) {
            await waitFor(`everyone offered it on ${server.url}`, async () => {
              const offered = JSON.stringify([...await offeredOn(server)].sort());
              return offered === everyone ? true : undefined;
            }, 10_000);
          }
        },
      );

      await t.step("DELETE on one instance: the token gets 401 on both at once", async () => {
        const victim = agents.find((a) => a.server === second)!;
        const check = (server: TestServer) =>
          fetch(`${server.url}/api/agent/check_update`, { headers: victim.headers }).then(
            async (res) => {
              await res.body?.cancel();
              return res.status;
            },
          );
        assert.equal(await check(second), 200);
        const res = await fetch(`${first.url}/api/admin/computers/${victim.id}`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${first.adminToken}` },
        });
        assert.equal(res.status, 204);
        assert.equal(await check(first), 401);
        await waitFor("401 on the other instance", async () => {
          return await check(second) === 401 ? true : undefined;
        }, 5_000);
      });
    } finally {
      await Promise.all(agents.map((a) => a.socket.close()));
      for (const server of servers.reverse()) await server.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      await database.drop();
    }
  },
});
