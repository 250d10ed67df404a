/**
 * Issue 13, items 2 and 7 at the route layer, on both databases: text the
 * server cannot store (a NUL, a lone surrogate, bytes that are not UTF-8) and
 * JSON nested too deep get a 400 with a clear code wherever they arrive —
 * body fields, keys, paths, queries, multipart fields — and nothing is stored.
 */
import assert from "node:assert/strict";
import { MAX_JSON_DEPTH } from "../../protocol/mod.ts";
import { makeTestApp, TEST_ADAPTERS, type TestApp } from "../../tests/helpers/test_app.ts";
import {
  buildPackage,
  uploadRequest,
  versionRowCount,
} from "../../tests/helpers/package_fixtures.ts";

const json = { "content-type": "application/json" };
const report = {
  error_type: "UpdateDownloadFailed",
  message: "ok",
  timestamp: "2026-12-01T00:00:00.000Z",
  agent_version: "1.0.0",
};

/** `{"a":{"a":...}}` nested `depth` objects deep (the outer body counts as one). */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

async function expectRefused(res: Response, status: number, code: string) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.equal(JSON.parse(text).error.code, code, text);
}

async function storedErrorCount(h: TestApp, computerId: string): Promise<number> {
  const res = await h.app.request(`/api/admin/computers/${computerId}/errors`, {
    headers: h.adminHeaders,
  });
  return (await res.json()).length;
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name:
      `report-error refuses unstorable text and deep details with 400, storing nothing (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      const agent = await h.registerAgent();
      const send = (body: string) =>
        h.app.request("/api/agent/report-error", {
          method: "POST",
          headers: { ...json, ...agent.headers },
          body,
        });
      const cases: [string, string, string][] = [
        ["NUL in message", JSON.stringify({ ...report, message: "a\u0000b" }), "invalid_text"],
        [
          "lone surrogate in message",
          `{"error_type":"X","message":"a\\ud800","timestamp":"t",
          "agent_version":"1.0.0"}`,
          "invalid_text",
        ],
        [
          "NUL in a details value",
          JSON.stringify({ ...report, details: { x: ["\u0000"] } }),
          "invalid_text",
        ],
        [
          "lone surrogate in a details key",
          `{"error_type":"X","message":"m","timestamp":"t",
          "agent_version":"1.0.0","details":{"\\udc00":1}}`,
          "invalid_text",
        ],
        [
          "NUL in stack_trace",
          JSON.stringify({ ...report, stack_trace: "\u0000" }),
          "invalid_text",
        ],
        ["NUL in report_id", JSON.stringify({ ...report, report_id: "r\u0000" }), "invalid_text"],
        ["details 5,000 deep", JSON.stringify({ ...report, details: nested(5_000) }), "too_deep"],
        [
          `details ${MAX_JSON_DEPTH} deep`,
          JSON.stringify({ ...report, details: nested(MAX_JSON_DEPTH) }),
          "too_deep",
        ],
      ];
      for (const [name, body, code] of cases) {
        await t.step(name, async () => await expectRefused(await send(body), 400, code));
      }
      await t.step("bytes that are not UTF-8", async () => {
        const bytes = new Uint8Array([
          ...new TextEncoder().encode('{"message":"'),
          0xff,
          0x22,
          0x7d,
        ]);
        const res = await h.app.request("/api/agent/report-error", {
          method: "POST",
          headers: { ...json, ...agent.headers },
          body: bytes,
        });
        await expectRefused(res, 400, "invalid_text");
      });
      assert.equal(await storedErrorCount(h, agent.computerId), 0);

      await t.step(
        `details ${MAX_JSON_DEPTH - 1} deep (the body ${MAX_JSON_DEPTH}) are stored`,
        async () => {
          const res = await send(
            JSON.stringify({ ...report, details: nested(MAX_JSON_DEPTH - 1) }),
          );
          assert.equal(res.status, 204, await res.text());
          assert.equal(await storedErrorCount(h, agent.computerId), 1);
        },
      );
    },
  });

  Deno.test({
    name: `register, paths, queries, resolve notes and upload notes refuse NUL with 400 (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      const agent = await h.registerAgent();
      const register = (body: Record<string, string>) =>
        h.app.request("/api/agent/register", {
          method: "POST",
          headers: { ...json, "enrollment-token": h.enrollmentToken },
          body: JSON.stringify({ hostname: "pc", os: "windows", agent_version: "1.0.0", ...body }),
        });
      await t.step("hostname with NUL", async () => {
        await expectRefused(await register({ hostname: "pc\u0000" }), 400, "invalid_text");
      });
      await t.step("os with a lone surrogate", async () => {
        await expectRefused(await register({ os: "win\udbff" }), 400, "invalid_text");
      });
      for (const path of ["/computers/%00", "/computers/%00/errors", "/computers?search=%00"]) {
        await t.step(`GET /api/admin${path}`, async () => {
          const res = await h.app.request(`/api/admin${path}`, { headers: h.adminHeaders });
          await expectRefused(res, 400, "invalid_text");
        });
      }
      await t.step("a resolve whose error id is NUL", async () => {
        const res = await h.app.request(
          `/api/admin/computers/${agent.computerId}/errors/%00/resolve`,
          { method: "POST", headers: h.adminHeaders },
        );
        await expectRefused(res, 400, "invalid_text");
      });
      await t.step("resolution notes with NUL", async () => {
        await h.app.request("/api/agent/report-error", {
          method: "POST",
          headers: { ...json, ...agent.headers },
          body: JSON.stringify(report),
        });
        const [error] = await (await h.app.request(
          `/api/admin/computers/${agent.computerId}/errors`,
          { headers: h.adminHeaders },
        )).json();
        const res = await h.app.request(
          `/api/admin/computers/${agent.computerId}/errors/${error.id}/resolve`,
          {
            method: "POST",
            headers: { ...h.adminHeaders, ...json },
            body: JSON.stringify({ resolution_notes: "\u0000" }),
          },
        );
        await expectRefused(res, 400, "invalid_text");
      });
      await t.step("upload notes with NUL leave no version behind", async () => {
        const pkg = await buildPackage("2.0.0");
        const res = await uploadRequest(h, {
          version: "2.0.0",
          notes: "a\u0000b",
          file: pkg.bytes,
        });
        await expectRefused(res, 400, "invalid_text");
        assert.equal(await versionRowCount(h), 0);
      });
    },
  });

  Deno.test({
    name: `login refuses a NUL username with 400 and counts it as a failure (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const login = (username: string, password: string) =>
        h.app.request("/api/auth/login", {
          method: "POST",
          headers: json,
          body: JSON.stringify({ username, password }),
        });
      // app.request has no socket: every attempt comes from one client, limited to 30 failures.
      for (let i = 0; i < 30; i++) {
        await expectRefused(await login("adm\u0000in", "x"), 400, "invalid_text");
      }
      const limited = await login("admin\u0000", "x");
      await expectRefused(limited, 429, "rate_limited");
      assert.ok(Number(limited.headers.get("retry-after")) > 0);
    },
  });
}
