/**
 * Revocable sessions (issue 13, item 14) and the login rate limit (item 6).
 * Sessions: a token stops working after sign-out, after its user is demoted
 * (403) or deleted (401). Logins: attempts are counted before the password is
 * hashed, and one client's failures do not lock the user out for others.
 */
import assert from "node:assert/strict";
import { sign } from "hono/jwt";
import { createApp } from "../app.ts";
import { insertAdmin } from "../db/admin_users.ts";
import { AdminAuth, LOGIN_LIMITS, SESSION_CACHE_MS } from "../services/admin_auth.ts";
import { hashPassword } from "../services/passwords.ts";
import { makeTestApp, TEST_ADAPTERS, TEST_ADMIN_PASSWORD } from "../../tests/helpers/test_app.ts";

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `a session token stops working after logout, demotion or deletion (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      let now = Date.now();
      const auth = new AdminAuth(h.db, h.config.jwtSecret!, 12, () => now);
      const app = createApp({ ...h.deps, adminAuth: auth });
      const list = async (token: string) => {
        const res = await app.request("/api/admin/computers", {
          headers: { authorization: `Bearer ${token}` },
        });
        await res.body?.cancel();
        return res.status;
      };
      await insertAdmin(h.db, "ops", await hashPassword("ops-password-1"));

      await t.step("logout revokes the token at once", async () => {
        const { token } = await auth.login("ops", "ops-password-1", "test");
        assert.equal(await list(token), 200);
        const out = await app.request("/api/auth/logout", {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(out.status, 204);
        assert.equal(await list(token), 401);
      });

      await t.step("another instance sees the logout once its cache expires", async () => {
        const other = new AdminAuth(h.db, h.config.jwtSecret!, 12, () => now);
        const { token } = await auth.login("ops", "ops-password-1", "test");
        assert.ok(await other.verifySession(token));
        await auth.logout(token, "test");
        now += SESSION_CACHE_MS + 1;
        assert.equal(await other.verifySession(token), null);
      });

      await t.step("a demoted user gets 403 once the cache expires", async () => {
        const { token } = await auth.login("ops", "ops-password-1", "test");
        assert.equal(await list(token), 200);
        await h.db.query("UPDATE admin_users SET role = 'viewer' WHERE username = 'ops'");
        now += SESSION_CACHE_MS + 1;
        assert.equal(await list(token), 403);
        await h.db.query("UPDATE admin_users SET role = 'admin' WHERE username = 'ops'");
        now += SESSION_CACHE_MS + 1;
        assert.equal(await list(token), 200, "the role is read fresh both ways");
      });

      await t.step("a deleted user's token gets 401", async () => {
        const { token } = await auth.login("ops", "ops-password-1", "test");
        assert.equal(await list(token), 200);
        await h.db.query("DELETE FROM admin_users WHERE username = 'ops'");
        now += SESSION_CACHE_MS + 1;
        assert.equal(await list(token), 401);
      });

      await t.step("a validly signed token without a session id gets 401", async () => {
        const exp = Math.floor(now / 1000) + 600;
        const old = await sign(
          { sub: "x", username: "admin", role: "admin", exp },
          h.config.jwtSecret!,
          "HS256",
        );
        assert.equal(await list(old), 401);
      });
    },
  });

  Deno.test({
    name: `concurrent wrong passwords are counted before hashing (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const attempt = () =>
        h.app.request("/api/auth/login", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "admin", password: "wrong-password" }),
        });
      const replies = await Promise.all(Array.from({ length: 200 }, attempt));
      const statuses = replies.map((res) => res.status);
      await Promise.all(replies.map((res) => res.body?.cancel()));
      assert.equal(statuses.filter((s) => s === 401).length, LOGIN_LIMITS.perClientAndUser);
      assert.equal(statuses.filter((s) => s === 429).length, 200 - LOGIN_LIMITS.perClientAndUser);
    },
  });
}

Deno.test("one client's failed logins do not lock the user out for another client", async () => {
  await using h = await makeTestApp();
  const auth = h.deps.adminAuth;
  for (let i = 0; i < LOGIN_LIMITS.perClientAndUser; i++) {
    await assert.rejects(auth.login("admin", "wrong", "10.0.0.66"), { status: 401 });
  }
  await assert.rejects(auth.login("admin", TEST_ADMIN_PASSWORD, "10.0.0.66"), { status: 429 });
  const reply = await auth.login("admin", TEST_ADMIN_PASSWORD, "10.0.0.7");
  assert.equal(reply.user.username, "admin");
});
