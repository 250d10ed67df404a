/**
 * Admin authentication: `Authorization: Bearer <token>` or the session cookie.
 * No valid session: 401. A session whose role is not `admin`: 403.
 */
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { SESSION_COOKIE } from "../../protocol/mod.ts";
import type { AppEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import type { AdminAuth } from "../services/admin_auth.ts";

export function requireAdmin(auth: AdminAuth): MiddlewareHandler<AppEnv> {
  return async function adminAuth(c, next) {
    const header = c.req.header("authorization");
    const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1];
    const token = bearer ?? getCookie(c, SESSION_COOKIE);
    if (!token) throw new HttpError(401, "unauthorized", "Sign in first: no session token");
    const claims = await auth.verifySession(token);
    if (!claims) throw new HttpError(401, "unauthorized", "Session is invalid or has expired");
    if (claims.role !== "admin") {
      throw new HttpError(403, "forbidden", `Role "${claims.role}" may not use the admin API`);
    }
    c.set("admin", claims);
    await next();
  };
}
