/** `/api/auth`: admin sign-in and sign-out. */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { getConnInfo } from "hono/deno";
import { LoginRequest, SESSION_COOKIE } from "../../protocol/mod.ts";
import type { AppEnv } from "../env.ts";
import type { AdminAuth } from "../services/admin_auth.ts";
import { HttpError } from "../errors.ts";
import { readJson } from "../validate.ts";

function clientAddress(c: Parameters<typeof getConnInfo>[0]): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no socket
  }
}

export function authRoutes(auth: AdminAuth): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/login", async (c) => {
    const { username, password } = await readJson(c, LoginRequest).catch((error) => {
      // Unstorable text never reaches the database, yet still counts as a failed sign-in.
      if (error instanceof HttpError && error.code === "invalid_text") {
        auth.refuseLogin(clientAddress(c), error);
      }
      throw error;
    });
    const session = await auth.login(username, password, clientAddress(c));
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      path: "/",
      expires: new Date(session.expires_at),
    });
    return c.json(session, 200);
  });

  app.post("/logout", async (c) => {
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
    await auth.logout(bearer ?? getCookie(c, SESSION_COOKIE), clientAddress(c));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });

  return app;
}
