/** `/api/auth`: admin sign-in and sign-out. */
import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { LoginRequest, SESSION_COOKIE } from "../../protocol/mod.ts";
import type { AppEnv } from "../env.ts";
import { readCredential } from "../middleware/admin_auth.ts";
import { clientAddress } from "../middleware/client_address.ts";
import { assertSameOrigin } from "../middleware/same_origin.ts";
import type { AdminAuth } from "../services/admin_auth.ts";
import { HttpError } from "../errors.ts";
import { readJson } from "../validate.ts";

export function authRoutes(auth: AdminAuth): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/login", async (c) => {
    // A page elsewhere must not sign the browser in to an account of its choosing.
    assertSameOrigin(c, false);
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

  /** Revokes the session (cookie or Bearer token) on every instance, and clears the cookie. */
  app.post("/logout", async (c) => {
    const credential = readCredential(c);
    if (credential?.via === "cookie") assertSameOrigin(c, true);
    await auth.logout(credential?.token, clientAddress(c));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });

  return app;
}
