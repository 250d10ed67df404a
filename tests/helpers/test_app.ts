/**
 * Builds the real app in-process for route tests: a migrated database (PGlite
 * in memory, or a fresh database on the Postgres server of DATABASE_URL), a
 * temporary DATA_DIR, a signed-in admin, and a helper to enroll agents.
 * `serve()` also listens on a free port for WebSocket tests.
 *
 * ```ts
 * for (const { adapter, ignore, label } of TEST_ADAPTERS) {
 *   Deno.test({ name: `GET /api/health answers ok (${label})`, ignore, fn: async () => {
 *     await using t = await makeTestApp({ adapter });
 *     assert.equal((await t.app.request("/api/health")).status, 200);
 *   } });
 * }
 * ```
 */
import type { Hono } from "hono";
import { createApp, serveHandler } from "../../server/app.ts";
import { type WiredDeps, wireDeps } from "../../server/boot.ts";
import { type Config, loadConfig } from "../../server/config.ts";
import type { Db } from "../../server/db/db.ts";
import { migrate } from "../../server/db/migrate.ts";
import { openPgliteDb } from "../../server/db/pglite_db.ts";
import { openPostgresDb } from "../../server/db/postgres_db.ts";
import type { AppEnv } from "../../server/env.ts";
import { type Logger, silentLogger } from "../../server/log.ts";
import { ensureFirstAdmin } from "../../server/services/admin_auth.ts";
import { createTestDatabase, NO_POSTGRES, POSTGRES_URL } from "./postgres.ts";

export type TestAdapter = "pglite" | "postgres";

export { createTestDatabase };

/** The Postgres server tests may use; postgres tests are ignored when it is unset. */
export const TEST_DATABASE_URL = NO_POSTGRES ? null : POSTGRES_URL;

/** Both adapters, for table-driven tests; `label` says why a postgres test is ignored. */
export const TEST_ADAPTERS: { adapter: TestAdapter; ignore: boolean; label: string }[] = [
  { adapter: "pglite", ignore: false, label: "pglite" },
  {
    adapter: "postgres",
    ignore: TEST_DATABASE_URL === null,
    label: TEST_DATABASE_URL === null ? "postgres, ignored: DATABASE_URL is unset" : "postgres",
  },
];

export const TEST_ADMIN_USERNAME = "admin";
export const TEST_ADMIN_PASSWORD = "test-password-123";

export interface TestAppOptions {
  /** Default "pglite". "postgres" needs DATABASE_URL and creates a fresh database on it. */
  adapter?: TestAdapter;
  /** Extra environment for loadConfig, e.g. `{ PACKAGE_MAX_BYTES: "1000" }`. */
  env?: Record<string, string>;
  logger?: Logger;
  /** Reuse this database instead of creating one (e.g. two apps on one Postgres). */
  databaseUrl?: string;
  /** Seconds before an idle WebSocket is pinged and, without a pong, dropped. */
  wsIdleTimeoutSeconds?: number;
}

export interface TestAgent {
  agent_id: string;
  agent_token: string;
  computerId: string;
  /** The agent credential headers (the `agent-id` spelling). */
  headers: Record<string, string>;
}

export interface TestApp {
  app: Hono<AppEnv>;
  db: Db;
  deps: WiredDeps;
  config: Config;
  dataDir: string;
  /** The database URL when the adapter is postgres, else null. */
  databaseUrl: string | null;
  adminToken: string;
  /** `{ authorization: "Bearer <adminToken>" }` */
  adminHeaders: Record<string, string>;
  enrollmentToken: string;
  registerAgent(hostname?: string, agentVersion?: string): Promise<TestAgent>;
  /** Listens on 127.0.0.1 on a free port (for WebSockets); returns the base URL. */
  serve(): Promise<string>;
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function makeTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const adapter = options.adapter ?? "pglite";
  const logger = options.logger ?? silentLogger;
  const dataDir = await Deno.makeTempDir({ prefix: "hangar-app-" });
  const cleanups: (() => Promise<void>)[] = [() => Deno.remove(dataDir, { recursive: true })];
  const runCleanups = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
    cleanups.length = 0;
  };
  try {
    let databaseUrl: string | null = null;
    let db: Db;
    if (adapter === "postgres") {
      if (options.databaseUrl) {
        databaseUrl = options.databaseUrl;
      } else {
        const created = await createTestDatabase();
        cleanups.push(created.drop);
        databaseUrl = created.url;
      }
      db = await openPostgresDb(databaseUrl, { max: 4 });
    } else {
      db = await openPgliteDb(null);
    }
    cleanups.push(() => db.close());
    await migrate(db);
    const config = loadConfig({
      DATA_DIR: dataDir,
      JWT_SECRET: "test-secret-0123456789abcdef0123456789",
      ENROLLMENT_TOKEN: "test-enrollment-token",
      ADMIN_USERNAME: TEST_ADMIN_USERNAME,
      ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      LOG_REQUESTS: "0",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...options.env,
    });
    await ensureFirstAdmin(db, config.adminUsername, config.adminPassword, logger);
    const deps = await wireDeps(config, db, logger);
    deps.wsIdleTimeoutSeconds = options.wsIdleTimeoutSeconds;
    cleanups.push(() => deps.stop());
    const app = createApp(deps);
    const session = await deps.adminAuth.login(config.adminUsername, TEST_ADMIN_PASSWORD, "test");

    const testApp: TestApp = {
      app,
      db,
      deps,
      config,
      dataDir,
      databaseUrl,
      adminToken: session.token,
      adminHeaders: { authorization: `Bearer ${session.token}` },
      enrollmentToken: deps.enrollmentToken,
      async registerAgent(hostname = "test-pc", agentVersion = "1.0.0") {
        const reply = await deps.agentAuth.register(deps.enrollmentToken, {
          hostname,
          os: "windows",
          agent_version: agentVersion,
        });
        const identity = await deps.agentAuth.authenticate(
          reply.agent_id,
          reply.agent_token,
          null,
        );
        return {
          ...reply,
          computerId: identity.computerId,
          headers: { "agent-id": reply.agent_id, "agent-token": reply.agent_token },
        };
      },
      async serve() {
        const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
        const server = Deno.serve(
          { hostname: "127.0.0.1", port: 0, onListen: resolve },
          serveHandler(app, deps),
        );
        // Cleanups run last-in first-out: the server closes before the database,
        // after its sockets (shutdown waits for open connections).
        cleanups.push(async () => {
          deps.hub.closeAll();
          deps.adminHub.closeAll();
          await server.shutdown();
        });
        const addr = await promise;
        return `http://127.0.0.1:${addr.port}`;
      },
      cleanup: runCleanups,
      [Symbol.asyncDispose]: runCleanups,
    };
    return testApp;
  } catch (error) {
    await runCleanups();
    throw error;
  }
}
