import assert from "node:assert/strict";
import { Rollout, UpdateInfo } from "../../protocol/mod.ts";
import {
  makeTestApp,
  TEST_ADAPTERS,
  type TestAgent,
  type TestApp,
} from "../../tests/helpers/test_app.ts";
import { setStable, uploadVersion } from "../../tests/helpers/package_fixtures.ts";

function post(t: TestApp, path: string, body?: unknown): Promise<Response> {
  return Promise.resolve(t.app.request(`/api/admin/rollouts${path}`, {
    method: "POST",
    headers: { ...t.adminHeaders, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }));
}

async function ok(res: Response | Promise<Response>, status = 200): Promise<Rollout> {
  const reply = await res;
  const body = await reply.json();
  assert.equal(reply.status, status, JSON.stringify(body));
  return Rollout.parse(body);
}

async function refused(res: Response | Promise<Response>, status: number, code: string) {
  const reply = await res;
  const body = await reply.json();
  assert.equal(reply.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
}

async function offered(t: TestApp, agent: TestAgent): Promise<string | null> {
  const res = await t.app.request("/api/agent/check_update?current_version=1.0.0", {
    headers: agent.headers,
  });
  if (res.status === 204) return null;
  return UpdateInfo.parse(await res.json()).version;
}

function fail(t: TestApp, agent: TestAgent, to = "1.2.0"): Promise<Response> {
  return Promise.resolve(t.app.request("/api/agent/update-status", {
    method: "POST",
    headers: { ...agent.headers, "content-type": "application/json" },
    body: JSON.stringify({
      attempt_id: crypto.randomUUID(),
      from_version: "1.0.0",
      to_version: to,
      state: "failed",
      error_type: "UpdateLaunchFailed",
      message: "the new agent exited at start",
    }),
  }));
}

function patchGroup(t: TestApp, agent: TestAgent, group: string) {
  return t.app.request(`/api/admin/computers/${agent.computerId}`, {
    method: "PATCH",
    headers: { ...t.adminHeaders, "content-type": "application/json" },
    body: JSON.stringify({ group }),
  });
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `rollouts: create, stages, halt, cancel and completion (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const agents: TestAgent[] = [];
      for (let i = 0; i < 12; i++) agents.push(await app.registerAgent(`pc-${i}`, "1.0.0"));
      const canaries = agents.slice(0, 2);
      for (const agent of canaries) await (await patchGroup(app, agent, "canary")).body?.cancel();
      const v11 = await uploadVersion(app, "1.1.0");
      const v12 = await uploadVersion(app, "1.2.0");
      const v105 = await uploadVersion(app, "1.0.5");
      await (await setStable(app, v11.id, true)).body?.cancel();
      const stages = [{ groups: ["canary"], wait_s: 3600 }, { percent: 50, wait_s: 3600 }, {
        percent: 100,
        wait_s: 0,
      }];

      await t.step(
        "bad bodies: 400; unknown version: 404; not newer than stable: 400",
        async () => {
          const bad: unknown[] = [
            {},
            { version_id: v12.id, stages: [] },
            { version_id: v12.id, stages: [{ percent: 0 }] },
            { version_id: v12.id, stages: [{ percent: 101 }] },
            { version_id: v12.id, stages: [{ percent: 10.5 }] },
            { version_id: v12.id, stages: [{ wait_s: 60 }] },
            { version_id: v12.id, stages: [{ percent: 10, wait_s: -1 }] },
            { version_id: v12.id, stages: [{ groups: [] }] },
            { version_id: v12.id, stages: [{ groups: ["a b"] }] },
            { version_id: v12.id, stages: [{ percent: 50 }, { percent: 10 }] },
            { version_id: v12.id, stages: [{ percent: 10 }], max_failures: 0 },
            { version_id: v12.id, stages: [{ percent: 10 }], max_failure_rate: 1.5 },
            { version_id: v12.id, stages: [{ percent: 10 }], extra: true },
          ];
          for (const body of bad) await refused(post(app, "", body), 400, "validation_failed");
          await refused(post(app, "", { version_id: v105.id, stages }), 400, "validation_failed");
          await refused(post(app, "", { version_id: v11.id, stages }), 400, "validation_failed");
          for (const id of [crypto.randomUUID(), "nope"]) {
            await refused(post(app, "", { version_id: id, stages }), 404, "not_found");
          }
        },
      );

      let rollout!: Rollout;
      await t.step("create: 201, the canary group only", async () => {
        rollout = await ok(post(app, "", { version_id: v12.id, stages }), 201);
        assert.equal(rollout.status, "running");
        assert.equal(rollout.stage_index, 0);
        assert.equal(rollout.max_failures, 3);
        assert.equal(rollout.max_failure_rate, 0.1);
        assert.deepEqual(rollout.counts, {
          cohort: 2,
          updated: 0,
          in_progress: 0,
          failed: 0,
          pending: 2,
        });
        for (const agent of canaries) assert.equal(await offered(app, agent), "1.2.0");
        for (const agent of agents.slice(2)) assert.equal(await offered(app, agent), "1.1.0");
      });

      await t.step("a second active rollout: 409", async () => {
        await refused(post(app, "", { version_id: v12.id, stages }), 409, "conflict");
      });

      await t.step(
        "actions the status does not allow: 409; unknown ids and actions: 404",
        async () => {
          await refused(post(app, `/${rollout.id}/resume`), 409, "conflict");
          await refused(post(app, `/${crypto.randomUUID()}/pause`), 404, "not_found");
          await refused(post(app, `/nope/pause`), 404, "not_found");
          await refused(post(app, `/${rollout.id}/explode`), 404, "not_found");
          const get = await app.app.request(`/api/admin/rollouts/${crypto.randomUUID()}`, {
            headers: app.adminHeaders,
          });
          await refused(get, 404, "not_found");
        },
      );

      await t.step("pause stops offering the version; resume brings it back", async () => {
        assert.equal((await ok(post(app, `/${rollout.id}/pause`))).status, "paused");
        assert.equal(await offered(app, canaries[0]), "1.1.0");
        assert.equal((await ok(post(app, `/${rollout.id}/resume`))).status, "running");
        assert.equal(await offered(app, canaries[0]), "1.2.0");
      });

      await t.step("advance widens the cohort cumulatively", async () => {
        const advanced = await ok(post(app, `/${rollout.id}/advance`));
        assert.equal(advanced.stage_index, 1);
        let offeredCount = 0;
        for (const agent of agents) if (await offered(app, agent) === "1.2.0") offeredCount++;
        assert.equal(offeredCount, advanced.counts.cohort);
        for (const agent of canaries) assert.equal(await offered(app, agent), "1.2.0");
      });

      await t.step("3 failures halt it with a reason; nobody is offered the version", async () => {
        for (const agent of agents.slice(0, 3)) assert.equal((await fail(app, agent)).status, 204);
        await app.deps.evaluator.evaluateSoon();
        const halted = await ok(app.app.request(`/api/admin/rollouts/${rollout.id}`, {
          headers: app.adminHeaders,
        }));
        assert.equal(halted.status, "halted");
        assert.match(halted.halt_reason ?? "", /3 update attempts to 1\.2\.0 failed/);
        assert.match(halted.halt_reason ?? "", /UpdateLaunchFailed x3/);
        for (const agent of agents) assert.equal(await offered(app, agent), "1.1.0");
        await refused(post(app, `/${rollout.id}/advance`), 409, "conflict");
        await refused(post(app, `/${rollout.id}/pause`), 409, "conflict");
        const audit = await app.app.request("/api/admin/audit?action=rollout.halt", {
          headers: app.adminHeaders,
        });
        const entries = await audit.json();
        assert.equal(entries.length, 1);
        assert.equal(entries[0].actor, "system");
        assert.equal(entries[0].target_id, rollout.id);
      });

      await t.step("resume lifts the halt: earlier failures no longer count", async () => {
        assert.equal((await ok(post(app, `/${rollout.id}/resume`))).status, "running");
        await app.deps.evaluator.evaluateSoon();
        const again = await ok(app.app.request(`/api/admin/rollouts/${rollout.id}`, {
          headers: app.adminHeaders,
        }));
        assert.equal(again.status, "running");
        assert.equal(again.halt_reason, null);
      });

      await t.step("cancel, then a new rollout is allowed; the list is newest first", async () => {
        const cancelled = await ok(post(app, `/${rollout.id}/cancel`));
        assert.equal(cancelled.status, "cancelled");
        assert.ok(cancelled.finished_at);
        await refused(post(app, `/${rollout.id}/cancel`), 409, "conflict");
        for (const agent of canaries) assert.equal(await offered(app, agent), "1.1.0");
        const next = await ok(
          post(app, "", { version_id: v12.id, stages: [{ percent: 100, wait_s: 0 }] }),
          201,
        );
        const list = await app.app.request("/api/admin/rollouts", { headers: app.adminHeaders });
        const ids = Rollout.array().parse(await list.json()).map((r) => r.id);
        assert.deepEqual(ids, [next.id, rollout.id]);
        rollout = next;
      });

      await t.step(
        "the last stage's wait passed: completed, and the version is stable",
        async () => {
          assert.equal(await app.deps.evaluator.evaluate(), "completed");
          const done = await ok(app.app.request(`/api/admin/rollouts/${rollout.id}`, {
            headers: app.adminHeaders,
          }));
          assert.equal(done.status, "completed");
          const versions = await (await app.app.request("/api/admin/agents/versions", {
            headers: app.adminHeaders,
          })).json();
          assert.equal(versions.find((v: { id: string }) => v.id === v12.id).is_stable, true);
          for (const agent of agents) assert.equal(await offered(app, agent), "1.2.0");
          await refused(post(app, `/${rollout.id}/pause`), 409, "conflict");
        },
      );
    },
  });
}
