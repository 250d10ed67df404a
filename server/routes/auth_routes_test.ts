import assert from "node:assert/strict";
import { sign } from "hono/jwt";
import { insertAdmin } from "../db/admin_users.ts";
import { hashPassword } from "../services/passwords.ts";
import { makeTestApp, TEST_ADAPTERS, TEST_ADMIN_PASSWORD } from "../../tests/helpers/test_app.ts";

const json = { "content-type": "application/json" };

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `POST /api/auth/login answers each bad input with its status and code (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      const cases: [string, string, number, string][] = [
        ["bad JSON", "{not json", 400, "invalid_json"],
        ["missing password", '{"username":"admin"}', 400, "validation_failed"],
        ["wrong types", '{"username":1,"password":true}', 400, "validation_failed"],
        ["an array", "[]", 400, "validation_failed"],
        ["wrong password", '{"username":"admin","password":"nope"}', 401, "unauthorized"],
        ["unknown user", '{"username":"ghost","password":"nope"}', 401, "unauthorized"],
        [
          "oversized body",
          JSON.stringify({ username: "a", password: "x".repeat(70_000) }),
          413,
          "payload_too_large",
        ],
      ];
      for (const [what, body, status, code] of cases) {
        await t.step(what, async () => {
          const res = await h.app.request("/api/auth/login", {
            method: "POST",
            headers: json,
            body,
          });
          assert.equal(res.status, status);
          const reply = await res.json();
          assert.equal(reply.error.code, code);
          assert.equal(typeof reply.error.message, "string");
        });
      }
    },
  });

  Deno.test({
    name: `POST /api/auth/login gives a token and an HttpOnly SameSite=Strict cookie (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const res = await h.app.request("/api/auth/login", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }),
      });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.user.username, "admin");
      assert.equal(body.user.role, "admin");
      assert.ok(Date.parse(body.expires_at) > Date.now());
      const cookie = res.headers.get("set-cookie") ?? "";
      assert.match(cookie, /^hangar_session=[^;]+/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      const session = cookie.split(";")[0];
      const viaCookie = await h.app.request("/api/admin/computers", {
        headers: { cookie: session },
      });
      assert.equal(viaCookie.status, 200);
      const viaBearer = await h.app.request("/api/admin/computers", {
        headers: { authorization: `Bearer ${body.token}` },
      });
      assert.equal(viaBearer.status, 200);
    },
  });
}

Deno.test("admin routes answer 401 without a valid session and 403 for a non-admin role", async (t) => {
  await using h = await makeTestApp();
  const secret = h.config.jwtSecret!;
  const expired = await sign(
    { sub: "x", username: "admin", role: "admin", exp: Math.floor(Date.now() / 1000) - 10 },
    secret,
    "HS256",
  );
  const forged = await sign(
    { sub: "x", username: "admin", role: "admin", exp: Math.floor(Date.now() / 1000) + 600 },
    "another-secret-0123456789abcdef012345",
    "HS256",
  );
  await insertAdmin(h.db, "viewer", await hashPassword("viewer-pass"), "viewer");
  const viewer = await h.deps.adminAuth.login("viewer", "viewer-pass", "test");
  const cases: [string, Record<string, string>, number][] = [
    ["no token", {}, 401],
    ["garbage bearer", { authorization: "Bearer abc.def.ghi" }, 401],
    ["expired token", { authorization: `Bearer ${expired}` }, 401],
    ["token signed with another secret", { authorization: `Bearer ${forged}` }, 401],
    ["viewer role", { authorization: `Bearer ${viewer.token}` }, 403],
    ["admin", h.adminHeaders, 200],
  ];
  for (const [what, headers, status] of cases) {
    await t.step(what, async () => {
      const res = await h.app.request("/api/admin/computers", { headers });
      assert.equal(res.status, status);
      await res.body?.cancel();
    });
  }
});

Deno.test("POST /api/auth/login answers 429 with Retry-After after repeated failures", async () => {
  await using h = await makeTestApp();
  const attempt = (password: string) =>
    h.app.request("/api/auth/login", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ username: "admin", password }),
    });
  for (let i = 0; i < 10; i++) assert.equal((await attempt("wrong")).status, 401);
  const blocked = await attempt(TEST_ADMIN_PASSWORD);
  assert.equal(blocked.status, 429, "even the right password waits once the limit is hit");
  assert.equal((await blocked.json()).error.code, "rate_limited");
  assert.ok(Number(blocked.headers.get("retry-after")) > 0);
});
