/**
 * Builds the Hono app from its dependencies. Nothing here opens sockets or
 * databases, so every route can be tested with `app.request()`.
 */
import { Hono } from "hono";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import type { AppEnv } from "./env.ts";
import { HttpError, renderError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { requireAdmin } from "./middleware/admin_auth.ts";
import { AGENT_DEADLINE_MS, answerWithin } from "./middleware/deadline.ts";
import { limitHeaders } from "./middleware/header_limits.ts";
import { requestLog } from "./middleware/request_log.ts";
import { refuseUnsafeUrls } from "./middleware/safe_url.ts";
import { adminRoutes } from "./routes/admin_routes.ts";
import { agentRoutes, checkUpdateFastPath } from "./routes/agent_routes.ts";
import { auditRoutes } from "./routes/audit_routes.ts";
import { apiTokenRoutes } from "./routes/api_token_routes.ts";
import { computerRoutes } from "./routes/computer_routes.ts";
import { rolloutRoutes } from "./routes/rollout_routes.ts";
import { authRoutes } from "./routes/auth_routes.ts";
import { errorRoutes } from "./routes/error_routes.ts";
import { fleetRoutes } from "./routes/fleet_routes.ts";
import { openApiRoutes } from "./routes/openapi_routes.ts";
import { webRoutes } from "./routes/web_routes.ts";
import { versionRoutes } from "./routes/version_routes.ts";
import type { AdminAuth } from "./services/admin_auth.ts";
import type { AgentAuth } from "./services/agent_auth.ts";
import type { AgentVersions } from "./services/agent_versions.ts";
import type { ApiTokens } from "./services/api_tokens.ts";
import type { ComputerAdmin } from "./services/computer_admin.ts";
import type { ComputerPolicies } from "./services/computer_policies.ts";
import type { RolloutEvaluator } from "./services/rollout_evaluator.ts";
import type { Rollouts } from "./services/rollouts.ts";
import type { UpdateAttempts } from "./services/update_attempts.ts";
import type { UpdateOffers } from "./services/update_offers.ts";
import type { LastSeenWriter } from "./services/last_seen_writer.ts";
import type { PackageStore } from "./storage/package_store.ts";
import type { AdminHub } from "./ws/admin_hub.ts";
import type { AgentHub } from "./ws/agent_hub.ts";
import { adminSocket } from "./ws/admin_ws.ts";
import type { Notifier } from "./ws/notifier.ts";
import type { WsUpgrade } from "./ws/upgrade.ts";

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  adminAuth: AdminAuth;
  agentAuth: AgentAuth;
  apiTokens: ApiTokens;
  enrollmentToken: string;
  /** Queued, batched `last_seen_at` writes. */
  lastSeen: LastSeenWriter;
  hub: AgentHub;
  adminHub: AdminHub;
  notifier: Notifier;
  versions: AgentVersions;
  packages: PackageStore;
  policies: ComputerPolicies;
  computerAdmin: ComputerAdmin;
  rollouts: Rollouts;
  evaluator: RolloutEvaluator;
  attempts: UpdateAttempts;
  offers: UpdateOffers;
  /** Absent in tests that only call `app.request()`: the WebSocket routes then answer 501. */
  upgradeWebSocket?: WsUpgrade;
  /** Seconds of silence before a socket is pinged (and dropped without a pong); default 30. */
  wsIdleTimeoutSeconds?: number;
}

/**
 * What `Deno.serve` runs: the check_update fast path (answered from memory, see
 * `checkUpdateFastPath`), and for every other request, or one it cannot answer, `app`.
 */
export function serveHandler(app: Hono<AppEnv>, deps: AppDeps): Deno.ServeHandler {
  const fast = checkUpdateFastPath({
    agentAuth: deps.agentAuth,
    offers: deps.offers,
    log: deps.config.logRequests ? deps.logger : null,
  });
  return (req, info) => fast(req) ?? app.fetch(req, info);
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  if (deps.config.logRequests) app.use("*", requestLog(deps.logger));
  app.onError(renderError(deps.logger));
  app.use("*", limitHeaders());
  app.use("*", refuseUnsafeUrls());
  app.notFound((c) => {
    throw new HttpError(404, "not_found", `No route for ${c.req.method} ${c.req.path}`);
  });

  app.get("/api/health", (c) => c.json({ status: "ok" }));
  app.route("/api", openApiRoutes());
  app.route("/", webRoutes()); // the admin page at /admin/, and / redirecting there
  app.route("/api/auth", authRoutes(deps.adminAuth));
  app.use("/api/agent/*", answerWithin(AGENT_DEADLINE_MS));
  app.route("/api/agent", agentRoutes(deps));
  app.use("/api/admin/*", requireAdmin(deps.adminAuth, deps.apiTokens));
  app.get("/api/admin/ws", adminSocket(deps));
  app.route("/api/admin/agents/versions", versionRoutes(deps));
  app.route("/api/admin/audit", auditRoutes(deps));
  app.route("/api/admin/errors", errorRoutes(deps));
  app.route("/api/admin", fleetRoutes(deps));
  app.route("/api/admin", adminRoutes(deps));
  app.route("/api/admin/api-tokens", apiTokenRoutes(deps));
  app.route("/api/admin", computerRoutes(deps));
  app.route("/api/admin/rollouts", rolloutRoutes(deps));
  return app;
}
