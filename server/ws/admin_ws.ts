/**
 * `GET /api/admin/ws`, mounted behind the admin auth middleware so bad
 * credentials get 401 before any upgrade: the admin page's live view.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import type { AdminHub } from "./admin_hub.ts";
import { socketOptions, upgraderOf, type WsUpgradeDeps } from "./upgrade.ts";

export interface AdminSocketDeps extends WsUpgradeDeps {
  adminHub: AdminHub;
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false; // "null" or garbage
  }
}

/**
 * Browsers send the session cookie with the upgrade; a page from another
 * origin is refused, since a cookie alone does not prove who opened the socket.
 */
export function adminSocket(deps: AdminSocketDeps) {
  return function handleAdminSocket(c: Context<AppEnv>): Promise<Response> {
    const upgrade = upgraderOf(deps, c);
    const origin = c.req.header("origin");
    if (origin && !sameHost(origin, c.req.header("host") ?? new URL(c.req.url).host)) {
      throw new HttpError(403, "forbidden", `WebSocket from another origin (${origin})`);
    }
    return upgrade(c, {
      onOpen(_event, ws) {
        deps.adminHub.add(ws);
      },
      onClose(_event, ws) {
        deps.adminHub.remove(ws);
      },
    }, socketOptions(deps));
  };
}
