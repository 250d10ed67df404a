import assert from "node:assert/strict";
import { CreatedApiToken } from "../../protocol/mod.ts";
import type { Fields, Logger } from "../log.ts";
import { makeTestApp, TEST_ADAPTERS, type TestApp } from "../../tests/helpers/test_app.ts";
import { buildPackage } from "../../tests/helpers/package_fixtures.ts";

const json = { "content-type": "application/json" };

async function createToken(
  h: TestApp,
  body: Record<string, unknown>,
): Promise<CreatedApiToken> {
  const res = await h.app.request("/api/admin/api-tokens", {
    method: "POST",
    headers: { ...json, ...h.adminHeaders },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return CreatedApiToken.parse(await res.json());
}

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

function upload(h: TestApp, token: string, version: string, file: Uint8Array) {
  const form = new FormData();
  form.append("version", version);
  form.append("file", new Blob([file as BlobPart]), "package.zip");
  return h.app.request("/api/admin/agents/versions", {
    method: "POST",
    headers: bearer(token),
    body: form,
  });
}

/** A logger that keeps every line, to check that no secret reaches the logs. */
function recordingLogger(): Logger & { text(): string } {
  const lines: string[] = [];
  const keep = (msg: string, fields?: Fields) => lines.push(JSON.stringify({ msg, ...fields }));
  return { info: keep, warn: keep, error: keep, text: () => lines.join("\n") };
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name:
      `a fleet:read token lists computers and gets 403 naming versions:write on upload (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      await h.registerAgent("pc-1");
      const { token } = await createToken(h, { name: "dashboards", scopes: ["fleet:read"] });
      assert.match(token, /^hgr_[A-Za-z0-9_-]{43}$/);

      const list = await h.app.request("/api/admin/computers", { headers: bearer(token) });
      assert.equal(list.status, 200);
      assert.deepEqual((await list.json()).map((c: { hostname: string }) => c.hostname), ["pc-1"]);

      const pkg = await buildPackage("1.1.0");
      const refused = await upload(h, token, "1.1.0", pkg.bytes);
      assert.equal(refused.status, 403);
      const body = await refused.json();
      assert.equal(body.error.code, "forbidden");
      assert.match(body.error.message, /"versions:write"/);

      // Not listed in the scope table: it needs admin.
      const secret = await h.app.request("/api/admin/enrollment-token", { headers: bearer(token) });
      assert.equal(secret.status, 403);
      assert.match((await secret.json()).error.message, /"admin"/);
      const tokens = await h.app.request("/api/admin/api-tokens", { headers: bearer(token) });
      assert.equal(tokens.status, 403);
    },
  });

  Deno.test({
    name:
      `a versions:write token uploads and marks stable, named in the audit log, and reads no computers (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const { token } = await createToken(h, { name: "ci-release", scopes: ["versions:write"] });
      const pkg = await buildPackage("1.2.0");
      const res = await upload(h, token, "1.2.0", pkg.bytes);
      assert.equal(res.status, 201, await res.clone().text());
      const { id } = await res.json();
      const stable = await h.app.request(`/api/admin/agents/versions/${id}`, {
        method: "PUT",
        headers: { ...json, ...bearer(token) },
        body: JSON.stringify({ is_stable: true }),
      });
      assert.equal(stable.status, 200);
      const computers = await h.app.request("/api/admin/computers", { headers: bearer(token) });
      assert.equal(computers.status, 403);
      assert.match((await computers.json()).error.message, /"fleet:read"/);

      const audit = await (await h.app.request("/api/admin/audit?limit=10", {
        headers: h.adminHeaders,
      })).json();
      const byToken = audit.filter((e: { actor: string }) => e.actor === "token:ci-release")
        .map((e: { action: string }) => e.action);
      assert.deepEqual(byToken, ["version.set_stable", "version.upload"]);
      const created = audit.find((e: { action: string }) => e.action === "api_token.create");
      assert.equal(created.actor, "admin");
      assert.equal(created.details.name, "ci-release");
    },
  });

  Deno.test({
    name: `GET lists tokens with last_used_at and never the secret; logs never hold it (${label})`,
    ignore,
    async fn() {
      const logger = recordingLogger();
      await using h = await makeTestApp({ adapter, logger, env: { LOG_REQUESTS: "1" } });
      const created = await createToken(h, {
        name: "nightly",
        scopes: ["fleet:read", "fleet:write"],
        expires_in_days: 30,
      });
      const days = (Date.parse(created.expires_at!) - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`);

      const before = await (await h.app.request("/api/admin/api-tokens", {
        headers: h.adminHeaders,
      })).json();
      assert.equal(before.length, 1);
      assert.equal(before[0].last_used_at, null);

      assert.equal(
        (await h.app.request("/api/admin/computers", { headers: bearer(created.token) })).status,
        200,
      );
      // A bad request with the token in it: still not logged.
      await h.app.request(`/api/admin/nothing?token=x`, { headers: bearer(created.token) });

      const res = await h.app.request("/api/admin/api-tokens", { headers: h.adminHeaders });
      const text = await res.text();
      const [listed] = JSON.parse(text);
      assert.equal(listed.name, "nightly");
      assert.deepEqual(listed.scopes, ["fleet:read", "fleet:write"]);
      assert.equal(listed.created_by, "admin");
      assert.ok(listed.last_used_at, "last_used_at is set after a use");
      assert.ok(!text.includes(created.token.slice(4)), "GET must not carry the secret");
      assert.ok(!("token" in listed) && !("token_hash" in listed));

      const logs = logger.text();
      assert.match(logs, /api token created/);
      assert.ok(!logs.includes(created.token.slice(4)), "the token must never be logged");
      const [{ hash }] = await h.db.query<{ hash: string }>(
        "SELECT token_hash AS hash FROM api_tokens",
      );
      assert.ok(!hash.includes(created.token.slice(4)), "only a hash is stored");
    },
  });

  Deno.test({
    name: `a revoked or expired token gets 401 at once (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const revoked = await createToken(h, { name: "old", scopes: ["admin"] });
      const expired = await createToken(h, {
        name: "short",
        scopes: ["admin"],
        expires_in_days: 1,
      });
      for (const { token } of [revoked, expired]) {
        assert.equal(
          (await h.app.request("/api/admin/computers", { headers: bearer(token) })).status,
          200,
        );
      }
      const del = await h.app.request(`/api/admin/api-tokens/${revoked.id}`, {
        method: "DELETE",
        headers: h.adminHeaders,
      });
      assert.equal(del.status, 204);
      await h.db.query(
        "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1",
        [
          expired.id,
        ],
      );
      for (const { token } of [revoked, expired]) {
        const res = await h.app.request("/api/admin/computers", { headers: bearer(token) });
        assert.equal(res.status, 401);
        assert.equal((await res.json()).error.code, "unauthorized");
      }
      const again = await h.app.request(`/api/admin/api-tokens/${revoked.id}`, {
        method: "DELETE",
        headers: h.adminHeaders,
      });
      assert.equal(again.status, 404);
      const names = (await (await h.app.request("/api/admin/api-tokens", {
        headers: h.adminHeaders,
      })).json()).map((t: { name: string }) => t.name);
      assert.deepEqual(names, ["short"]);
      // The name is free again once its token is revoked.
      await createToken(h, { name: "old", scopes: ["fleet:read"] });
    },
  });

  Deno.test({
    name: `POST /api/admin/api-tokens refuses bad input and duplicate names (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      await createToken(h, { name: "taken", scopes: ["admin"] });
      const cases: [string, unknown, number, string][] = [
        ["no scopes", { name: "a", scopes: [] }, 400, "validation_failed"],
        ["unknown scope", { name: "a", scopes: ["root"] }, 400, "validation_failed"],
        ["empty name", { name: " ", scopes: ["admin"] }, 400, "validation_failed"],
        [
          "zero days",
          { name: "a", scopes: ["admin"], expires_in_days: 0 },
          400,
          "validation_failed",
        ],
        ["a name in use", { name: "taken", scopes: ["admin"] }, 409, "conflict"],
      ];
      for (const [what, body, status, code] of cases) {
        await t.step(what, async () => {
          const res = await h.app.request("/api/admin/api-tokens", {
            method: "POST",
            headers: { ...json, ...h.adminHeaders },
            body: JSON.stringify(body),
          });
          assert.equal(res.status, status);
          assert.equal((await res.json()).error.code, code);
        });
      }
      for (const bad of ["hgr_nope", "hgr_" + "x".repeat(500)]) {
        const res = await h.app.request("/api/admin/computers", { headers: bearer(bad) });
        assert.equal(res.status, 401);
      }
      const missing = await h.app.request("/api/admin/api-tokens/not-a-uuid", {
        method: "DELETE",
        headers: h.adminHeaders,
      });
      assert.equal(missing.status, 404);
    },
  });
}

Deno.test({
  name: "a token revoked on one instance is refused at once by another on the same database",
  ignore: TEST_ADAPTERS[1].ignore,
  async fn() {
    await using first = await makeTestApp({ adapter: "postgres" });
    await using second = await makeTestApp({
      adapter: "postgres",
      databaseUrl: first.databaseUrl!,
    });
    const { id, token } = await createToken(first, { name: "shared", scopes: ["fleet:read"] });
    assert.equal(
      (await second.app.request("/api/admin/computers", { headers: bearer(token) })).status,
      200,
    );
    const del = await first.app.request(`/api/admin/api-tokens/${id}`, {
      method: "DELETE",
      headers: first.adminHeaders,
    });
    assert.equal(del.status, 204);
    assert.equal(
      (await second.app.request("/api/admin/computers", { headers: bearer(token) })).status,
      401,
    );
  },
});
