/**
 * Which API-token scope each admin route needs: one table, read by the admin
 * middleware (403 naming the scope) and by the OpenAPI document. A route not
 * in the table needs `admin`, so a route added without an entry is never
 * open to a narrower token by accident. Signed-in admins (sessions) are not
 * limited by scopes.
 */
import type { ApiScope } from "../../protocol/mod.ts";

export interface RouteScope {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A Hono-style path under `/api/admin`, with `:param` segments. */
  path: string;
  /** Any of these scopes will do; the first is the one a 403 names. */
  scopes: ApiScope[];
}

const READ: ApiScope[] = ["fleet:read"];
/** Versions and rollouts are read by release pipelines too. */
const READ_RELEASES: ApiScope[] = ["fleet:read", "versions:write"];
const RELEASE: ApiScope[] = ["versions:write"];
const FLEET_WRITE: ApiScope[] = ["fleet:write"];

export const ROUTE_SCOPES: RouteScope[] = [
  { method: "GET", path: "/api/admin/agents/versions", scopes: READ_RELEASES },
  { method: "POST", path: "/api/admin/agents/versions", scopes: RELEASE },
  { method: "PUT", path: "/api/admin/agents/versions/:versionId", scopes: RELEASE },
  { method: "GET", path: "/api/admin/rollouts", scopes: READ_RELEASES },
  { method: "GET", path: "/api/admin/rollouts/:id", scopes: READ_RELEASES },
  { method: "POST", path: "/api/admin/rollouts", scopes: RELEASE },
  // pause, resume, advance, cancel
  { method: "POST", path: "/api/admin/rollouts/:id/:action", scopes: RELEASE },
  { method: "GET", path: "/api/admin/computers", scopes: READ },
  { method: "GET", path: "/api/admin/computers/:id", scopes: READ },
  { method: "GET", path: "/api/admin/computers/:id/errors", scopes: READ },
  { method: "GET", path: "/api/admin/computers/:id/updates", scopes: READ },
  { method: "GET", path: "/api/admin/fleet/summary", scopes: READ },
  { method: "GET", path: "/api/admin/errors", scopes: READ },
  { method: "GET", path: "/api/admin/errors/types", scopes: READ },
  { method: "GET", path: "/api/admin/errors/types", scopes: READ },
  { method: "GET", path: "/api/admin/audit", scopes: READ },
  { method: "PATCH", path: "/api/admin/computers/:id", scopes: FLEET_WRITE },
  { method: "DELETE", path: "/api/admin/computers/:id", scopes: FLEET_WRITE },
  { method: "POST", path: "/api/admin/computers/:id/errors/:errorId/resolve", scopes: FLEET_WRITE },
  { method: "POST", path: "/api/admin/errors/resolve", scopes: FLEET_WRITE },
];

/** What holding a scope also grants. */
const IMPLIES: Record<ApiScope, ApiScope[]> = {
  "admin": ["admin", "versions:write", "fleet:read", "fleet:write"],
  "fleet:write": ["fleet:write", "fleet:read"],
  "fleet:read": ["fleet:read"],
  "versions:write": ["versions:write"],
};

function matches(pattern: string, path: string): boolean {
  const want = pattern.split("/");
  const have = path.replace(/\/+$/, "").split("/");
  if (want.length !== have.length) return false;
  return want.every((part, i) => part.startsWith(":") ? have[i] !== "" : part === have[i]);
}

/** The scopes (any of) a request needs; `["admin"]` for a route the table does not name. */
export function requiredScopes(method: string, path: string): ApiScope[] {
  const verb = method === "HEAD" ? "GET" : method;
  const entry = ROUTE_SCOPES.find((r) => r.method === verb && matches(r.path, path));
  return entry?.scopes ?? ["admin"];
}

/** Whether a token holding `held` may call a route needing any of `needed`. */
export function scopesAllow(held: readonly ApiScope[], needed: readonly ApiScope[]): boolean {
  return held.some((scope) => IMPLIES[scope].some((granted) => needed.includes(granted)));
}
