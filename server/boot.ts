/**
 * Wiring: configuration → database → migrations → first admin → secrets → app
 * → HTTP server. `main.ts` calls it; tests and benchmarks can too.
 */
import { upgradeWebSocket } from "hono/deno";
import { SERVICE_RESTART_CLOSE_CODE, SERVICE_RESTART_CLOSE_REASON } from "../protocol/mod.ts";
import { type AppDeps, createApp, serveHandler } from "./app.ts";
import { type Config, packagesDir } from "./config.ts";
import type { Db } from "./db/db.ts";
import { migrate } from "./db/migrate.ts";
import { openDb } from "./db/open_db.ts";
import type { Logger } from "./log.ts";
import { loadEnrollmentToken, loadJwtSecret } from "./secrets.ts";
import { AdminAuth, ensureFirstAdmin } from "./services/admin_auth.ts";
import { AgentAuth } from "./services/agent_auth.ts";
import { AgentVersions } from "./services/agent_versions.ts";
import { ApiTokens } from "./services/api_tokens.ts";
import { LastSeenWriter } from "./services/last_seen_writer.ts";
import { PackageStore } from "./storage/package_store.ts";
import { AdminHub } from "./ws/admin_hub.ts";
import { AgentHub } from "./ws/agent_hub.ts";
import { startLiveUpdates } from "./ws/live_updates.ts";
import { wireRollouts } from "./rollout_wiring.ts";
import { Notifier } from "./ws/notifier.ts";
import type { WsUpgrade } from "./ws/upgrade.ts";

export interface RunningServer {
  url: string;
  port: number;
  db: Db;
  close(): Promise<void>;
}

/** The app's dependencies plus what must be stopped when the app goes away. */
export interface WiredDeps extends AppDeps {
  /** Stops background work (listeners, timers); does not close the database. */
  stop(): Promise<void>;
}

/**
 * Builds every dependency of the app on a migrated database. Tests use it too
 * (tests/helpers/test_app.ts), so the app they exercise is wired like production.
 */
export async function wireDeps(
  config: Config,
  db: Db,
  logger: Logger,
  upgrade: WsUpgrade | undefined = upgradeWebSocket,
): Promise<WiredDeps> {
  const jwtSecret = await loadJwtSecret(config);
  const enrollmentToken = await loadEnrollmentToken(config, db);
  const packages = new PackageStore(packagesDir(config));
  await packages.init();
  const stopSweeping = packages.startSweeping(
    undefined,
    (error) => logger.warn("could not sweep the packages temp folder", { error: error.message }),
  );
  const notifier = await Notifier.start(db, logger);
  const lastSeen = new LastSeenWriter(db, logger);
  const hub = new AgentHub();
  const adminHub = new AdminHub();
  const versions = new AgentVersions(db, packages, notifier);
  const stopLive = startLiveUpdates({ notifier, hub, adminHub, versions, logger });
  const agentAuth = new AgentAuth(db, enrollmentToken, lastSeen);
  const rollout = await wireRollouts({
    config,
    db,
    logger,
    notifier,
    hub,
    adminHub,
    versions,
    agentAuth,
  });
  return {
    config,
    db,
    logger,
    adminAuth: new AdminAuth(db, jwtSecret, config.sessionHours),
    agentAuth,
    apiTokens: new ApiTokens(db),
    ...rollout.deps,
    lastSeen,
    enrollmentToken,
    hub,
    adminHub,
    notifier,
    versions,
    packages,
    upgradeWebSocket: upgrade,
    async stop() {
      stopSweeping();
      await rollout.stop();
      await stopLive();
      // 1012 "Service Restart": agents retry at a short steady interval, not a growing backoff.
      hub.closeAll(SERVICE_RESTART_CLOSE_CODE, SERVICE_RESTART_CLOSE_REASON);
      adminHub.closeAll();
      await notifier.stop();
      await lastSeen.stop();
    },
  };
}

export async function bootServer(config: Config, logger: Logger): Promise<RunningServer> {
  const db = await openDb(config);
  const applied = await migrate(db);
  if (applied.length > 0) logger.info("applied migrations", { migrations: applied });
  await ensureFirstAdmin(db, config.adminUsername, config.adminPassword, logger);
  const deps = await wireDeps(config, db, logger);
  const app = createApp(deps);

  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: resolve,
  }, serveHandler(app, deps));
  const addr = await listening;
  const host = addr.hostname === "0.0.0.0" ? "127.0.0.1" : addr.hostname;
  const url = `http://${host}:${addr.port}`;
  logger.info("listening", {
    url,
    port: addr.port,
    database: db.kind === "postgres" ? "postgres (DATABASE_URL)" : `embedded (${config.dataDir})`,
    package_signatures: config.trustedKeys
      ? `required (${config.trustedKeys.split(",").length} TRUSTED_KEYS)`
      : "not checked (TRUSTED_KEYS unset)",
  });
  return {
    url,
    port: addr.port,
    db,
    async close() {
      // Sockets first: shutdown() waits for open connections, and agents should reconnect elsewhere.
      const stopping = deps.stop();
      await server.shutdown();
      await stopping;
      await db.close();
    },
  };
}
