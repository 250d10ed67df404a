/**
 * The database goes away under a running server (issue 13, item 8). Starts a
 * private PostgreSQL cluster (tests/helpers/private_postgres.ts; the shared
 * one serves other tests), a real server process on it, and an enrolled
 * agent; stops the cluster for longer than the version cache's lifetime:
 * check_update keeps answering from the cached versions and credentials, an
 * unknown agent gets 503 (not 500, not a hang), a WebSocket connect's
 * last_seen_at is queued and written once the cluster is back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import postgres from "postgres";
import { SNAPSHOT_TTL_MS } from "../server/services/agent_versions.ts";
import { makePackage } from "./helpers/make_package.ts";
import { privatePostgresUnavailable, startPrivatePostgres } from "./helpers/private_postgres.ts";
import {
  markStable,
  registerAgent,
  startServer,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";

const unavailable = privatePostgresUnavailable();

Deno.test({
  name: "check_update is served from caches while PostgreSQL is stopped; last_seen_at is queued",
  ignore: unavailable !== null,
  async fn() {
    const pg = await startPrivatePostgres();
    const dir = await Deno.makeTempDir({ prefix: "hangar-outage-" });
    const server = await startServer({ env: { DATABASE_URL: pg.url } });
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      const zip = join(dir, "p.zip");
      await makePackage({ version: "1.1.0", files: { agent: "a", updater: "u" } }, zip);
      await markStable(server, (await uploadPackage(server, zip, "1.1.0")).id);
      const agent = await registerAgent(server, "outage-pc");
      const headers = { "agent-id": agent.agent_id, "agent-token": agent.agent_token };
      const check = async (id = agent.agent_id) => {
        const res = await fetch(`${server.url}/api/agent/check_update?current_version=1.0.0`, {
          headers: { ...headers, "agent-id": id },
          signal: AbortSignal.timeout(30_000),
        });
        const body = await res.text();
        return { status: res.status, body };
      };
      assert.equal((await check()).status, 200, "warm: credentials and versions cached");
      await sql`UPDATE computers SET last_seen_at = NULL`;
      await sql.end();

      await pg.stop();
      // Past the version list's cache lifetime, so a fresh read would be needed.
      const until = Date.now() + SNAPSHOT_TTL_MS + 5_000;
      let checks = 0;
      while (Date.now() < until) {
        const reply = await check();
        assert.equal(reply.status, 200, reply.body);
        assert.equal(JSON.parse(reply.body).version, "1.1.0");
        checks++;
        await new Promise((r) => setTimeout(r, 2_000));
      }
      assert.ok(checks >= 5);
      const stranger = await check(crypto.randomUUID());
      assert.equal(stranger.status, 503, stranger.body);
      assert.equal(JSON.parse(stranger.body).error.code, "unavailable");

      // A WebSocket connect during the outage: its last_seen_at write waits in the queue.
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/agent/ws`, {
        headers,
      } as unknown as string[]);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error("WebSocket failed during the outage"));
      });
      const closed = new Promise((resolve) => ws.onclose = resolve);
      ws.close();
      await closed;

      await pg.start();
      const after = postgres(pg.url, { max: 1, onnotice: () => {} });
      try {
        await waitFor("the queued last_seen_at", async () => {
          const [row] = await after`SELECT last_seen_at FROM computers`;
          return row.last_seen_at ?? undefined;
        }, 90_000);
      } finally {
        await after.end();
      }
      assert.equal((await check()).status, 200);
      assert.doesNotMatch(server.output(), /unhandled error/);
    } finally {
      await sql.end().catch(() => {});
      await server.stop();
      await pg.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
