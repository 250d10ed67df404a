/** `/api/agent`: enrollment, and the routes an enrolled agent calls with its credentials. */
import { Hono } from "hono";
import {
  ENROLLMENT_TOKEN_HEADER,
  ErrorReport,
  RegisterRequest,
  SemverString,
  UpdateStatusReport,
} from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import type { AppEnv } from "../env.ts";
import { requireAgent, scanAgentHeaders } from "../middleware/agent_auth.ts";
import { MAX_HEADER_BYTES } from "../middleware/header_limits.ts";
import { logRequest } from "../middleware/request_log.ts";
import type { Logger } from "../log.ts";
import { clientAddress } from "../middleware/client_address.ts";
import { HttpError } from "../errors.ts";
import type { AgentAuth } from "../services/agent_auth.ts";
import type { AgentVersions } from "../services/agent_versions.ts";
import { agentSocket, type AgentSocketDeps } from "../ws/agent_ws.ts";
import { type PackageRouteDeps, packageRoutes } from "./package_routes.ts";
import type { UpdateAttempts } from "../services/update_attempts.ts";
import type { UpdateOffers } from "../services/update_offers.ts";
import { reportComputerError } from "../services/computer_errors.ts";
import { TokenBucket } from "../services/token_bucket.ts";
import { ReportGate } from "../services/report_gate.ts";
import { announceErrorsChanged } from "../services/fleet_errors.ts";
import type { Notifier } from "../ws/notifier.ts";
import { readJson } from "../validate.ts";

/** `current_version` values already accepted: a fleet sends a handful of distinct ones. */
const knownVersionStrings = new Set<string>();

function isKnownVersionString(value: string): boolean {
  if (knownVersionStrings.has(value)) return true;
  if (!SemverString.safeParse(value).success) return false;
  if (knownVersionStrings.size >= 1000) knownVersionStrings.clear();
  knownVersionStrings.add(value);
  return true;
}

export interface AgentRouteDeps extends PackageRouteDeps, AgentSocketDeps {
  config: PackageRouteDeps["config"] & {
    agentReportsPerMinute: number;
    reportStoreConcurrency: number;
    reportStoreWaitMs: number;
  };
  db: Db;
  notifier: Notifier;
  agentAuth: AgentAuth;
  versions: AgentVersions;
  offers: UpdateOffers;
  attempts: UpdateAttempts;
}

/** Seconds an agent is asked to wait when its report found no free slot in time. */
export const REPORT_BUSY_RETRY_AFTER_S = 1;

export function agentRoutes(deps: AgentRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/register", async (c) => {
    const body = await readJson(c, RegisterRequest);
    const reply = await deps.agentAuth.register(
      c.req.header(ENROLLMENT_TOKEN_HEADER),
      body,
      clientAddress(c),
    );
    return c.json(reply, 201);
  });

  // Every route registered after this needs an enrolled agent. /register, registered above,
  // answers before this middleware is reached, so it needs no exception here.
  app.use("*", requireAgent(deps.agentAuth));

  // Per agent and per instance: a burst of a minute's worth, then the steady rate.
  const reports = new TokenBucket({
    capacity: deps.config.agentReportsPerMinute,
    perMinute: deps.config.agentReportsPerMinute,
  });
  const storing = new ReportGate({
    maxConcurrent: deps.config.reportStoreConcurrency,
    maxWaitMs: deps.config.reportStoreWaitMs,
  });
  app.post("/report-error", async (c) => {
    const wait = reports.take(c.get("computerId"));
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `Too many error reports, try again in ${wait} s`, {
        "Retry-After": String(wait),
      });
    }
    const report = await readJson(c, ErrorReport);
    // Server-wide: the database never holds more than a few reports' work, whoever floods.
    const stored = await storing.run(async () => {
      await reportComputerError(deps.db, c.get("computerId"), report);
      return true;
    });
    if (stored === null) {
      throw new HttpError(503, "busy", "Too many error reports being stored, try again shortly", {
        "Retry-After": String(REPORT_BUSY_RETRY_AFTER_S),
      });
    }
    await announceErrorsChanged(deps.notifier, c.get("computerId"));
    return c.body(null, 204);
  });

  app.get("/check_update", async (c) => {
    const current = c.req.query("current_version") || null;
    if (current !== null && !isKnownVersionString(current)) {
      throw new HttpError(
        400,
        "validation_failed",
        `current_version "${current.slice(0, 100)}" is not a semantic version`,
      );
    }
    const computerId = c.get("computerId");
    // From memory without a promise nearly always; the first check of a computer reads its policy.
    let reply = deps.offers.checkUpdateNow(computerId, current);
    if (reply === undefined) reply = await deps.offers.checkUpdate(computerId, current);
    return reply === null
      ? c.body(null, 204)
      : c.body(reply, 200, { "content-type": "application/json" });
  });

  // Answered before the router when everything is in memory: checkUpdateFastPath below.

  app.post("/update-status", async (c) => {
    const report = await readJson(c, UpdateStatusReport);
    await deps.attempts.record(c.get("computerId"), report);
    return c.body(null, 204);
  });

  app.get("/ws", agentSocket(deps));
  app.route("/", packageRoutes(deps));

  return app;
}

/** Where app.ts mounts these routes; the fast path below must answer the same URL. */
export const CHECK_UPDATE_PATH = "/api/agent/check_update";

export interface CheckUpdateFastDeps {
  agentAuth: AgentAuth;
  offers: UpdateOffers;
  /** Log the request line as the router's `requestLog` would (LOG_REQUESTS). */
  log: Logger | null;
}

/**
 * `GET /api/agent/check_update` answered before the router, for the request nearly
 * every agent sends: credentials this process has verified, an unchanged version, a
 * `current_version` already accepted, and the computer's policy and the versions in
 * memory. Then the answer needs no promise, and Hono's context, the middleware chain
 * and the deadline would be most of the work (issue 17, item 3: about 2.6x the bare
 * route's CPU through the router). Anything else returns undefined and goes through
 * the route above, which alone refuses, waits for the database or writes anything:
 * this path only repeats its happy case, with the same shared pieces (header limit,
 * credential headers, `authenticateNow`, `checkUpdateNow`, the reply cache).
 * `check_update_fast_test.ts` checks that both answer alike.
 */
export function checkUpdateFastPath(
  deps: CheckUpdateFastDeps,
): (req: Request) => Response | undefined {
  return (req) => {
    if (req.method !== "GET") return undefined;
    const started = deps.log ? performance.now() : 0;
    const url = req.url;
    // An absolute URL: the path starts at the first "/" after "scheme://host".
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    if (
      pathStart < 0 || !url.startsWith(CHECK_UPDATE_PATH, pathStart) ||
      url.includes("%") || url.includes("+")
    ) return undefined;
    const rest = url.slice(pathStart + CHECK_UPDATE_PATH.length);
    let current: string | null = null;
    if (rest !== "") {
      // Exactly `?current_version=V` with V accepted before; other forms take the route.
      if (!rest.startsWith("?current_version=") || rest.includes("&")) return undefined;
      current = rest.slice("?current_version=".length);
      if (!knownVersionStrings.has(current)) return undefined;
    }
    const { id, token, version, bytes } = scanAgentHeaders(req.headers);
    if (bytes > MAX_HEADER_BYTES) return undefined;
    const identity = deps.agentAuth.authenticateNow(id, token, version);
    if (identity === undefined) return undefined;
    const reply = deps.offers.checkUpdateNow(identity.computerId, current);
    if (reply === undefined) return undefined;
    const res = reply === null
      ? new Response(null, { status: 204 })
      : new Response(reply, { status: 200, headers: { "content-type": "application/json" } });
    if (deps.log) logRequest(deps.log, "GET", CHECK_UPDATE_PATH, res.status, started);
    return res;
  };
}
