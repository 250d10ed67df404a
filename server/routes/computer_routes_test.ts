import assert from "node:assert/strict";
import { ComputerSummary, UpdateAttempt, UpdateInfo } from "../../protocol/mod.ts";
import {
  makeTestApp,
  TEST_ADAPTERS,
  type TestAgent,
  type TestApp,
} from "../../tests/helpers/test_app.ts";
import { setStable, uploadVersion } from "../../tests/helpers/package_fixtures.ts";

function patch(t: TestApp, id: string, body: unknown): Promise<Response> {
  return Promise.resolve(t.app.request(`/api/admin/computers/${id}`, {
    method: "PATCH",
    headers: { ...t.adminHeaders, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  }));
}

async function offered(t: TestApp, agent: TestAgent, current = "1.0.0") {
  const res = await t.app.request(`/api/agent/check_update?current_version=${current}`, {
    headers: agent.headers,
  });
  if (res.status === 204) return null;
  assert.equal(res.status, 200, await res.clone().text());
  return UpdateInfo.parse(await res.json());
}

function status(t: TestApp, agent: TestAgent, body: Record<string, unknown>): Promise<Response> {
  return Promise.resolve(t.app.request("/api/agent/update-status", {
    method: "POST",
    headers: { ...agent.headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  }));
}

async function expectError(res: Response, code: number, errorCode: string) {
  const body = await res.json();
  assert.equal(res.status, code, JSON.stringify(body));
  assert.equal(body.error.code, errorCode);
  assert.ok(body.error.message.length > 0);
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `computer settings decide what check_update offers (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({
        adapter,
        env: { AGENT_DOWNLOAD_LIMIT_KBPS: "800" },
      });
      const agent = await app.registerAgent("pc-1", "1.0.0");
      const v11 = await uploadVersion(app, "1.1.0");
      const v12 = await uploadVersion(app, "1.2.0");
      await (await setStable(app, v11.id, true)).body?.cancel();
      await (await setStable(app, v12.id, true)).body?.cancel();

      await t.step("a new computer is in group default, unpinned, not paused", async () => {
        const res = await app.app.request(`/api/admin/computers/${agent.computerId}`, {
          headers: app.adminHeaders,
        });
        const computer = ComputerSummary.parse(await res.json());
        assert.equal(computer.group, "default");
        assert.equal(computer.pinned_version, null);
        assert.equal(computer.updates_paused, false);
        assert.equal(computer.download_limit_kbps, null);
      });

      await t.step("the server default limit is in the reply", async () => {
        const info = await offered(app, agent);
        assert.equal(info?.version, "1.2.0");
        assert.equal(info?.download_limit_kbps, 800);
      });

      await t.step("PATCH sets every field and answers the computer", async () => {
        const res = await patch(app, agent.computerId, {
          group: "canary",
          pinned_version: "1.1.0",
          download_limit_kbps: 256,
        });
        assert.equal(res.status, 200);
        const computer = ComputerSummary.parse(await res.json());
        assert.equal(computer.group, "canary");
        assert.equal(computer.pinned_version, "1.1.0");
        assert.equal(computer.download_limit_kbps, 256);
      });

      await t.step("a pinned computer gets the highest stable version up to its pin", async () => {
        const info = await offered(app, agent);
        assert.equal(info?.version, "1.1.0");
        assert.equal(info?.download_limit_kbps, 256);
        assert.equal(await offered(app, agent, "1.1.0"), null);
      });

      await t.step("a paused computer is offered nothing", async () => {
        await (await patch(app, agent.computerId, { updates_paused: true, pinned_version: null }))
          .body?.cancel();
        assert.equal(await offered(app, agent), null);
        await (await patch(app, agent.computerId, { updates_paused: false })).body?.cancel();
        assert.equal((await offered(app, agent))?.version, "1.2.0");
      });

      await t.step("bad PATCH bodies: 400, and nothing changes", async () => {
        const bad: unknown[] = [
          {},
          { group: "" },
          { group: "a b" },
          { group: "x".repeat(101) },
          { pinned_version: "one" },
          { updates_paused: "yes" },
          { download_limit_kbps: 0 },
          { download_limit_kbps: 1.5 },
          { unknown_field: 1 },
          [1],
        ];
        for (const body of bad) {
          await expectError(await patch(app, agent.computerId, body), 400, "validation_failed");
        }
        await expectError(await patch(app, agent.computerId, "{nope"), 400, "invalid_json");
        const res = await app.app.request(`/api/admin/computers/${agent.computerId}`, {
          headers: app.adminHeaders,
        });
        assert.equal(ComputerSummary.parse(await res.json()).group, "canary");
      });

      await t.step("unknown computers: 404", async () => {
        for (const id of [crypto.randomUUID(), "not-a-uuid"]) {
          await expectError(await patch(app, id, { group: "x" }), 404, "not_found");
          const del = await app.app.request(`/api/admin/computers/${id}`, {
            method: "DELETE",
            headers: app.adminHeaders,
          });
          await expectError(del, 404, "not_found");
          const updates = await app.app.request(`/api/admin/computers/${id}/updates`, {
            headers: app.adminHeaders,
          });
          await expectError(updates, 404, "not_found");
        }
      });

      await t.step("without an admin: 401", async () => {
        const res = await app.app.request(`/api/admin/computers/${agent.computerId}`, {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ group: "x" }),
        });
        assert.equal(res.status, 401);
        await res.body?.cancel();
      });
    },
  });

  Deno.test({
    name: `update-status records attempts forward only, idempotently (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const agent = await app.registerAgent("pc-1", "1.0.0");
      const other = await app.registerAgent("pc-2", "1.0.0");
      const attempt = crypto.randomUUID();
      const base = { attempt_id: attempt, from_version: "1.0.0", to_version: "1.1.0" };
      const list = async (a: TestAgent = agent) => {
        const res = await app.app.request(`/api/admin/computers/${a.computerId}/updates`, {
          headers: app.adminHeaders,
        });
        assert.equal(res.status, 200);
        return UpdateAttempt.array().parse(await res.json());
      };

      await t.step("downloading with progress, repeated: one attempt", async () => {
        for (const progress of [0.1, 0.1, 0.4]) {
          const res = await status(app, agent, { ...base, state: "downloading", progress });
          assert.equal(res.status, 204);
        }
        const [only, ...rest] = await list();
        assert.equal(rest.length, 0);
        assert.equal(only.state, "downloading");
        assert.ok(Math.abs((only.progress ?? 0) - 0.4) < 1e-6);
        assert.equal(only.finished_at, null);
      });

      await t.step("a late earlier state does not move it back", async () => {
        await (await status(app, agent, { ...base, state: "installing" })).body?.cancel();
        await (await status(app, agent, { ...base, state: "verifying" })).body?.cancel();
        assert.equal((await list())[0].state, "installing");
      });

      await t.step(
        "failed finishes it, with its error type; later reports change nothing",
        async () => {
          await (await status(app, agent, {
            ...base,
            state: "failed",
            error_type: "UpdateLaunchFailed",
            message: "agent exited at start",
          })).body?.cancel();
          await (await status(app, agent, { ...base, state: "succeeded" })).body?.cancel();
          const [only] = await list();
          assert.equal(only.state, "failed");
          assert.equal(only.error_type, "UpdateLaunchFailed");
          assert.ok(only.finished_at);
        },
      );

      await t.step("another computer cannot touch this attempt", async () => {
        assert.equal((await status(app, other, { ...base, state: "succeeded" })).status, 204);
        assert.equal((await list())[0].state, "failed");
        assert.deepEqual(await list(other), []);
      });

      await t.step("bad reports: 400", async () => {
        const bad = [
          { ...base, attempt_id: "nope", state: "downloading" },
          { ...base, state: "exploded" },
          { ...base, state: "downloading", progress: 2 },
          { ...base, from_version: "x", state: "downloading" },
          { ...base, state: "failed", message: "a".repeat(10_001) },
          { ...base, state: "downloading", extra: 1 },
        ];
        for (const body of bad) {
          await expectError(await status(app, agent, body), 400, "validation_failed");
        }
        const res = await app.app.request("/api/agent/update-status", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...base, state: "downloading" }),
        });
        assert.equal(res.status, 401);
        await res.body?.cancel();
      });
    },
  });

  Deno.test({
    name: `DELETE a computer stops its token and rotate stops the old enrollment token (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const agent = await app.registerAgent("pc-1", "1.0.0");
      const register = (token: string) =>
        app.app.request("/api/agent/register", {
          method: "POST",
          headers: { "enrollment-token": token, "content-type": "application/json" },
          body: JSON.stringify({
            hostname: "new-pc",
            os: "windows",
            agent_version: "1.0.0",
            group: "lab",
          }),
        });

      await t.step("enrolling with a group puts the computer in it", async () => {
        const res = await register(app.enrollmentToken);
        assert.equal(res.status, 201);
        const { agent_id } = await res.json();
        const list =
          await (await app.app.request("/api/admin/computers", { headers: app.adminHeaders }))
            .json();
        assert.equal(list.find((c: ComputerSummary) => c.agent_id === agent_id).group, "lab");
      });

      await t.step("DELETE: 204, then its token gets 401 and the row is gone", async () => {
        assert.equal(await offered(app, agent), null);
        const res = await app.app.request(`/api/admin/computers/${agent.computerId}`, {
          method: "DELETE",
          headers: app.adminHeaders,
        });
        assert.equal(res.status, 204);
        const check = await app.app.request("/api/agent/check_update", { headers: agent.headers });
        assert.equal(check.status, 401);
        await check.body?.cancel();
        const get = await app.app.request(`/api/admin/computers/${agent.computerId}`, {
          headers: app.adminHeaders,
        });
        assert.equal(get.status, 404);
        await get.body?.cancel();
      });

      await t.step("rotate: a new token enrolls, the old one gets 401", async () => {
        const res = await app.app.request("/api/admin/enrollment-token/rotate", {
          method: "POST",
          headers: app.adminHeaders,
        });
        assert.equal(res.status, 200);
        const { enrollment_token } = await res.json();
        assert.notEqual(enrollment_token, app.enrollmentToken);
        const old = await register(app.enrollmentToken);
        assert.equal(old.status, 401);
        await old.body?.cancel();
        const fresh = await register(enrollment_token);
        assert.equal(fresh.status, 201);
        await fresh.body?.cancel();
        const shown = await app.app.request("/api/admin/enrollment-token", {
          headers: app.adminHeaders,
        });
        assert.equal((await shown.json()).enrollment_token, enrollment_token);
      });

      await t.step("a bad group at enrollment: 400", async () => {
        const res = await app.app.request("/api/agent/register", {
          method: "POST",
          headers: {
            "enrollment-token": app.deps.agentAuth.currentEnrollmentToken,
            "content-type": "application/json",
          },
          body: JSON.stringify({ hostname: "x", os: "w", agent_version: "1.0.0", group: "../x" }),
        });
        await expectError(res, 400, "validation_failed");
      });
    },
  });
}
