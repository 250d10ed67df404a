/**
 * Admin authentication: `Authorization: Bearer <token>` or the session cookie.
 * `identifyCaller` is the one place that decides who the caller is: a session
 * (a signed-in admin) or an API token (`hgr_...`, limited by its scopes).
 * No valid credential: 401. A cookie-authenticated request that changes state
 * from another origin: 403 (same_origin.ts). A session whose role is not
 * `admin`, or a token without the scope the route needs: 403.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { API_TOKEN_PREFIX, SESSION_COOKIE } from "../../protocol/mod.ts";
import type { AppEnv, Caller } from "../env.ts";
import { HttpError } from "../errors.ts";
import type { AdminAuth } from "../services/admin_auth.ts";
import type { ApiTokens } from "../services/api_tokens.ts";
import { requiredScopes, scopesAllow } from "./route_scopes.ts";
import { assertSameOrigin, isStateChanging } from "./same_origin.ts";

/** The credential a request carries, unchecked: an Authorization header or the browser's cookie. */
export function readCredential(c: Context): { token: string; via: "bearer" | "cookie" } | null {
  const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (bearer) return { token: bearer, via: "bearer" };
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, via: "cookie" } : null;
}

/** Who is calling, or a 401/403 HttpError. */
export async function identifyCaller(
  c: Context<AppEnv>,
  auth: AdminAuth,
  tokens: ApiTokens,
): Promise<Caller> {
  const credential = readCredential(c);
  if (!credential) throw new HttpError(401, "unauthorized", "Sign in first: no session token");
  // A browser sends the cookie whoever's page asks: a write must come from this server's origin.
  if (credential.via === "cookie" && isStateChanging(c.req.method)) assertSameOrigin(c, true);
  if (credential.via === "bearer" && credential.token.startsWith(API_TOKEN_PREFIX)) {
    const token = await tokens.authenticate(credential.token);
    if (!token) {
      throw new HttpError(401, "unauthorized", "API token is invalid, revoked or expired");
    }
    const needed = requiredScopes(c.req.method, c.req.path);
    if (!scopesAllow(token.scopes, needed)) {
      throw new HttpError(
        403,
        "forbidden",
        `This API token lacks the scope "${needed[0]}" needed for ${c.req.method} ${c.req.path}`,
      );
    }
    return { kind: "api_token", actor: `token:${token.name}`, token };
  }
  const claims = await auth.verifySession(credential.token);
  if (!claims) throw new HttpError(401, "unauthorized", "Session is invalid or has expired");
  if (claims.role !== "admin") {
    throw new HttpError(403, "forbidden", `Role "${claims.role}" may not use the admin API`);
  }
  return { kind: "session", actor: claims.username, claims };
}

export function requireAdmin(auth: AdminAuth, tokens: ApiTokens): MiddlewareHandler<AppEnv> {
  return async function adminAuth(c, next) {
    const caller = await identifyCaller(c, auth, tokens);
    c.set("caller", caller);
    c.set(
      "admin",
      caller.kind === "session"
        ? caller.claims
        // Code that records "who did it" reads admin.username: for a token, its name.
        : {
          sub: `token:${caller.token.id}`,
          username: caller.actor,
          role: "admin",
          exp: 0,
          sid: "",
        },
    );
    await next();
  };
}

/**
 * The actor of an authenticated admin request: the signed-in admin's username,
 * or `token:NAME` for an API token (the admin middleware decides which).
 */
export function auditActor(c: Context<AppEnv>): string {
  return c.get("caller").actor;
}
