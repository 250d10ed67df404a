/**
 * Two Hangar server processes on one PostgreSQL database, one shared packages
 * folder and one JWT_SECRET, behind a real HAProxy (the configuration of
 * docs/operations.md, from tools/bench/haproxy.ts). Simulated agents (real
 * WebSockets, real enrolled credentials, the bench's agent model) enroll and
 * connect through the balancer. Checks: the agents spread over both
 * instances; a version marked stable on one instance reaches the agents of
 * both; a package downloads through the balancer and from each instance; an
 * admin session made on one instance works on the other; when one instance
 * stops, its agents reconnect through the balancer to the other and none is
 * lost (all connected, all shown online, all notified of the next version).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { haproxyMissing, sharedPackageDataDirs, startBalancer } from "../tools/bench/haproxy.ts";
import { Fleet } from "../tools/bench/load/fleet.ts";
import { AGENT_ID_HEADER, AGENT_TOKEN_HEADER, AGENT_VERSION_HEADER } from "../protocol/mod.ts";
import { makePackage } from "./helpers/make_package.ts";
import { createTestDatabase, NO_POSTGRES } from "./helpers/postgres.ts";
import {
  adminFetch,
  listComputers,
  markStable,
  startServer,
  type TestServer,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";

const AGENTS = 8;
const skip = NO_POSTGRES
  ? "DATABASE_URL is not set (several instances need PostgreSQL)"
  : await haproxyMissing();

Deno.test({
  name: `two instances behind HAProxy serve one fleet${skip ? ` (skipped: ${skip})` : ""}`,
  ignore: skip !== null,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const root = await Deno.makeTempDir({ prefix: "hangar-balancer-" });
  const database = await createTestDatabase();
  const env = {
    DATABASE_URL: database.url,
    JWT_SECRET: crypto.randomUUID() + crypto.randomUUID(),
  };
  const [dirA, dirB] = await sharedPackageDataDirs(root, 2);
  const servers: TestServer[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const a = await startServer({ dataDir: dirA, env });
    servers.push(a);
    const b = await startServer({ dataDir: dirB, env });
    servers.push(b);
    const balancer = await startBalancer(root, [
      { name: "a", port: a.port },
      { name: "b", port: b.port },
    ]);
    cleanups.push(() => balancer.stop());
    const fleet = new Fleet(balancer.url);
    cleanups.push(() => fleet.closeAll());
    const notified = new Map<number, string>();
    fleet.onNewVersion = (agent, version) => notified.set(agent, version);

    await t.step("agents enroll and connect through the balancer onto both instances", async () => {
      const enrolled = await fleet.enroll(a.enrollmentToken, AGENTS, 4);
      assert.equal(enrolled.enrolled, AGENTS, enrolled.last_error);
      const connected = await fleet.connect(2);
      assert.equal(connected.connected, AGENTS, connected.last_error);
      const sessions = await waitFor("the WebSockets in HAProxy's statistics", async () => {
        const s = await balancer.sessions();
        return s.a + s.b === AGENTS ? s : undefined;
      });
      assert.ok(sessions.a > 0 && sessions.b > 0, `spread: ${JSON.stringify(sessions)}`);
      const online = await waitFor("every agent shown online", async () => {
        const list = await listComputers(b);
        return list.filter((c) => c.online).length === AGENTS ? list : undefined;
      }, 60_000);
      assert.equal(online.length, AGENTS);
    });

    const zip = join(root, "agent-1.1.0.zip");
    const made = await makePackage({ version: "1.1.0", files: { agent: "a", updater: "u" } }, zip);

    await t.step("a version marked stable on one instance reaches agents on both", async () => {
      const record = await uploadPackage(a, zip, "1.1.0");
      await markStable(a, record.id);
      await waitFor(
        "every agent notified of 1.1.0",
        () => notified.size === AGENTS ? true : undefined,
        60_000,
      );
      assert.deepEqual(new Set(notified.values()), new Set(["1.1.0"]));
    });

    await t.step("the package downloads through the balancer and from each instance", async () => {
      const headers = {
        [AGENT_ID_HEADER]: fleet.creds[0].agent_id,
        [AGENT_TOKEN_HEADER]: fleet.creds[0].agent_token,
        [AGENT_VERSION_HEADER]: "1.0.0",
      };
      const check = await fetch(`${balancer.url}/api/agent/check_update`, { headers });
      assert.equal(check.status, 200);
      const offer = await check.json();
      assert.equal(offer.version, "1.1.0");
      for (const base of [balancer.url, a.url, b.url]) {
        const res = await fetch(new URL(offer.download_url, base), { headers });
        assert.equal(res.status, 200, `download from ${base}`);
        const bytes = new Uint8Array(await res.arrayBuffer());
        assert.equal(createHash("sha256").update(bytes).digest("hex"), made.sha256);
      }
    });

    await t.step("an admin session made on one instance works on the other", async () => {
      // a.adminToken was signed in on instance a; b never saw that login.
      const onB = await adminFetch<unknown[]>({ ...b, adminToken: a.adminToken }, "/computers");
      assert.equal(onB.length, AGENTS);
      const viaBalancer = await fetch(`${balancer.url}/api/admin/computers`, {
        headers: { authorization: `Bearer ${b.adminToken}` },
      });
      assert.equal(viaBalancer.status, 200);
      await viaBalancer.body?.cancel();
    });

    await t.step(
      "stopping one instance: its agents reconnect to the other, none lost",
      async () => {
        const before = await balancer.sessions();
        const onB = before.b;
        assert.ok(onB > 0);
        const dropsBefore = fleet.drops;
        await b.stop();
        servers.splice(servers.indexOf(b), 1);
        await waitFor(
          `the ${onB} agents of b dropped and back`,
          () => fleet.drops - dropsBefore >= onB && fleet.openCount() === AGENTS ? true : undefined,
          90_000,
        );
        const sessions = await waitFor("every WebSocket on a", async () => {
          const s = await balancer.sessions();
          return s.a === AGENTS ? s : undefined;
        }, 60_000);
        assert.equal(sessions.b, 0);
        await waitFor("every agent shown online on a", async () => {
          const list = await listComputers(a);
          return list.length === AGENTS && list.every((c) => c.online) ? true : undefined;
        }, 60_000);
        // And they are live: the next stable version reaches every one of them.
        notified.clear();
        const zip2 = join(root, "agent-1.2.0.zip");
        await makePackage({ version: "1.2.0", files: { agent: "a2", updater: "u2" } }, zip2);
        await markStable(a, (await uploadPackage(a, zip2, "1.2.0")).id);
        await waitFor(
          "every agent notified of 1.2.0",
          () => notified.size === AGENTS ? true : undefined,
          60_000,
        );
        assert.deepEqual(new Set(notified.values()), new Set(["1.2.0"]));
      },
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    for (const server of servers) await server.stop().catch(() => {});
    await database.drop().catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});
