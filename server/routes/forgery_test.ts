/**
 * Same-site request forgery (issue 13, item 4): a page on another port of the
 * same host used the admin's cookie to resolve an error and upload a version.
 * Cookie-authenticated state changes must come from the server's own origin;
 * JSON routes refuse bodies that are not JSON (415); Bearer callers need no Origin.
 */
import assert from "node:assert/strict";
import {
  makeTestApp,
  TEST_ADAPTERS,
  TEST_ADMIN_PASSWORD,
  type TestApp,
} from "../../tests/helpers/test_app.ts";

/** app.request() addresses the app as http://localhost. */
const OWN = "http://localhost";
const OTHER_PORT = "http://localhost:8081";
const UNKNOWN_VERSION = "/api/admin/agents/versions/00000000-0000-4000-8000-000000000000";

async function cookieOf(h: TestApp): Promise<string> {
  const res = await h.app.request("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", origin: OWN },
    body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }),
  });
  assert.equal(res.status, 200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `cookie-authenticated writes are refused unless they come from the own origin (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      const cookie = await cookieOf(h);
      const json = { cookie, "content-type": "application/json" };
      const markStable = JSON.stringify({ is_stable: true });
      // [what, headers, body, status]: 404 means the request got past the check (unknown id).
      const cases: [string, Record<string, string>, string, number][] = [
        ["Origin on another port", { ...json, origin: OTHER_PORT }, markStable, 403],
        ["Origin of another host", { ...json, origin: "http://evil.example" }, markStable, 403],
        ["Origin null (sandboxed page)", { ...json, origin: "null" }, markStable, 403],
        ["Sec-Fetch-Site same-site", { ...json, "sec-fetch-site": "same-site" }, markStable, 403],
        ["Sec-Fetch-Site cross-site", { ...json, "sec-fetch-site": "cross-site" }, markStable, 403],
        [
          "own Origin but Sec-Fetch-Site cross-site",
          { ...json, origin: OWN, "sec-fetch-site": "cross-site" },
          markStable,
          403,
        ],
        ["neither Origin nor Sec-Fetch-Site", json, markStable, 403],
        ["own Origin", { ...json, origin: OWN }, markStable, 404],
        [
          "Sec-Fetch-Site same-origin",
          { ...json, "sec-fetch-site": "same-origin" },
          markStable,
          404,
        ],
        [
          "own origin behind a proxy (X-Forwarded-Host)",
          { ...json, origin: "https://hangar.example", "x-forwarded-host": "hangar.example" },
          markStable,
          404,
        ],
        [
          "Bearer from anywhere",
          { ...h.adminHeaders, "content-type": "application/json", origin: OTHER_PORT },
          markStable,
          404,
        ],
        [
          "text/plain body from the own origin (415)",
          { cookie, origin: OWN, "content-type": "text/plain" },
          markStable,
          415,
        ],
        [
          "form body from the own origin (415)",
          { cookie, origin: OWN, "content-type": "application/x-www-form-urlencoded" },
          "is_stable=true",
          415,
        ],
        [
          "Bearer with a text/plain body (415)",
          { ...h.adminHeaders, "content-type": "text/plain" },
          markStable,
          415,
        ],
      ];
      for (const [what, headers, body, status] of cases) {
        await t.step(what, async () => {
          const res = await h.app.request(UNKNOWN_VERSION, { method: "PUT", headers, body });
          assert.equal(res.status, status);
          const reply = await res.json();
          const code = { 403: "forbidden", 404: "not_found", 415: "unsupported_media_type" }[
            status
          ];
          assert.equal(reply.error.code, code);
        });
      }

      await t.step(
        "a cross-site upload (text/plain form) is refused and stores nothing",
        async () => {
          const res = await h.app.request("/api/admin/agents/versions", {
            method: "POST",
            headers: { cookie, origin: OTHER_PORT, "content-type": "text/plain" },
            body: "version=9.9.9\r\nfile=PK...",
          });
          assert.equal(res.status, 403);
          await res.body?.cancel();
          assert.deepEqual(await h.deps.versions.list(), []);
        },
      );

      await t.step("a cross-site resolve is refused", async () => {
        const agent = await h.registerAgent("pc-forgery");
        const res = await h.app.request(
          `/api/admin/computers/${agent.computerId}/errors/x/resolve`,
          { method: "POST", headers: { ...json, origin: OTHER_PORT }, body: "{}" },
        );
        assert.equal(res.status, 403);
        await res.body?.cancel();
      });

      await t.step("reads with the cookie need no Origin", async () => {
        const res = await h.app.request("/api/admin/computers", {
          headers: { cookie, origin: OTHER_PORT },
        });
        assert.equal(res.status, 200);
        await res.body?.cancel();
      });

      await t.step("a cross-site logout is refused and the session still works", async () => {
        const res = await h.app.request("/api/auth/logout", {
          method: "POST",
          headers: { cookie, origin: OTHER_PORT },
        });
        assert.equal(res.status, 403);
        await res.body?.cancel();
        const after = await h.app.request("/api/admin/computers", { headers: { cookie } });
        assert.equal(after.status, 200);
        await after.body?.cancel();
      });

      await t.step("a cross-site login is refused (login forgery)", async () => {
        const res = await h.app.request("/api/auth/login", {
          method: "POST",
          headers: { "content-type": "application/json", origin: OTHER_PORT },
          body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }),
        });
        assert.equal(res.status, 403);
        assert.equal(res.headers.get("set-cookie"), null);
        await res.body?.cancel();
      });

      await t.step("a script's login (no Origin) still works", async () => {
        const res = await h.app.request("/api/auth/login", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }),
        });
        assert.equal(res.status, 200);
        await res.body?.cancel();
      });
    },
  });

  Deno.test({
    name: `agent JSON routes refuse bodies that are not JSON with 415 (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const res = await h.app.request("/api/agent/register", {
        method: "POST",
        headers: { "content-type": "text/plain", "enrollment-token": h.enrollmentToken },
        body: JSON.stringify({ hostname: "pc", os: "windows", agent_version: "1.0.0" }),
      });
      assert.equal(res.status, 415);
      assert.equal((await res.json()).error.code, "unsupported_media_type");
    },
  });
}
