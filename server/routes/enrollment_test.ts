import assert from "node:assert/strict";
import { makeTestApp, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";

const json = { "content-type": "application/json" };
const goodBody = JSON.stringify({ hostname: "pc-1", os: "windows 10", agent_version: "1.0.0" });

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name:
      `POST /api/agent/register enrolls with the enrollment token and rejects bad input (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      const token = { ...json, "enrollment-token": h.enrollmentToken };
      const cases: [string, Record<string, string>, string, number, string][] = [
        ["no enrollment token", json, goodBody, 401, "unauthorized"],
        [
          "wrong enrollment token",
          { ...json, "enrollment-token": "nope" },
          goodBody,
          401,
          "unauthorized",
        ],
        ["missing hostname", token, '{"os":"w","agent_version":"1.0.0"}', 400, "validation_failed"],
        [
          "bad semver",
          token,
          '{"hostname":"a","os":"w","agent_version":"1.0"}',
          400,
          "validation_failed",
        ],
        ["bad JSON", token, "{", 400, "invalid_json"],
      ];
      for (const [what, headers, body, status, code] of cases) {
        await t.step(what, async () => {
          const res = await h.app.request("/api/agent/register", { method: "POST", headers, body });
          assert.equal(res.status, status);
          assert.equal((await res.json()).error.code, code);
        });
      }
      await t.step("success: 201 with credentials; only a hash is stored", async () => {
        const res = await h.app.request("/api/agent/register", {
          method: "POST",
          headers: token,
          body: goodBody,
        });
        assert.equal(res.status, 201);
        const { agent_id, agent_token } = await res.json();
        assert.ok(agent_id && agent_token.length >= 40);
        const rows = await h.db.query<{ agent_token_hash: string }>(
          "SELECT agent_token_hash FROM computers WHERE agent_id = $1",
          [agent_id],
        );
        assert.equal(rows.length, 1);
        assert.notEqual(rows[0].agent_token_hash, agent_token);
        assert.ok(!JSON.stringify(rows).includes(agent_token));
      });
    },
  });

  Deno.test({
    name: `agent routes accept both header spellings and answer 401 to bad credentials (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      const agent = await h.registerAgent("pc-2");
      const body = JSON.stringify({
        error_type: "UpdateGeneralFailure",
        message: "m",
        timestamp: new Date().toISOString(),
        agent_version: "1.0.0",
      });
      const cases: [string, Record<string, string>, number][] = [
        [
          "agent-id / agent-token",
          { "agent-id": agent.agent_id, "agent-token": agent.agent_token },
          204,
        ],
        ["X-Agent-Id / X-Agent-Token", {
          "X-Agent-Id": agent.agent_id,
          "X-Agent-Token": agent.agent_token,
        }, 204],
        ["no headers", {}, 401],
        ["id only", { "agent-id": agent.agent_id }, 401],
        ["wrong token", { "agent-id": agent.agent_id, "agent-token": "wrong" }, 401],
        ["unknown id", { "agent-id": crypto.randomUUID(), "agent-token": agent.agent_token }, 401],
        ["another agent's token", {
          "agent-id": agent.agent_id,
          "agent-token": (await h.registerAgent()).agent_token,
        }, 401],
      ];
      for (const [what, headers, status] of cases) {
        await t.step(what, async () => {
          const res = await h.app.request("/api/agent/report-error", {
            method: "POST",
            headers: { ...json, ...headers },
            body,
          });
          assert.equal(res.status, status);
          await res.body?.cancel();
        });
      }
    },
  });
}

Deno.test("agent requests keep last_seen_at and the reported version current", async () => {
  await using h = await makeTestApp();
  const agent = await h.registerAgent("pc-3", "1.0.0");
  await h.db.query("UPDATE computers SET last_seen_at = now() - interval '1 day'");
  const res = await h.app.request("/api/agent/report-error", {
    method: "POST",
    headers: { ...json, ...agent.headers, "x-agent-version": "1.1.0" },
    body: JSON.stringify({
      error_type: "X",
      message: "m",
      timestamp: "t",
      agent_version: "1.1.0",
    }),
  });
  assert.equal(res.status, 204);
  const computer = await (await h.app.request(`/api/admin/computers/${agent.computerId}`, {
    headers: h.adminHeaders,
  })).json();
  assert.equal(computer.agent_version, "1.1.0");
  assert.ok(Date.now() - Date.parse(computer.last_seen_at) < 60_000);
});
