import assert from "node:assert/strict";
import { AgentVersionRecord, UpdateInfo } from "../../protocol/mod.ts";
import {
  makeTestApp,
  TEST_ADAPTERS,
  type TestAgent,
  type TestApp,
} from "../../tests/helpers/test_app.ts";
import { setStable, uploadVersion } from "../../tests/helpers/package_fixtures.ts";

function checkUpdate(t: TestApp, agent: TestAgent, current?: string): Promise<Response> {
  const query = current === undefined ? "" : `?current_version=${encodeURIComponent(current)}`;
  return Promise.resolve(t.app.request(`/api/agent/check_update${query}`, {
    headers: agent.headers,
  }));
}

/** The version check_update offers to an agent on `current`, or null for 204. */
async function offered(t: TestApp, agent: TestAgent, current?: string): Promise<string | null> {
  const res = await checkUpdate(t, agent, current);
  if (res.status === 204) return null;
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.deepEqual(Object.keys(body).sort(), [
    "checksum_sha256",
    "download_url",
    "file_size",
    "version",
  ]);
  return UpdateInfo.parse(body).version;
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `check_update offers the highest stable version by semver (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const agent = await app.registerAgent();
      // Uploaded in this order on purpose: the newest upload is not the highest version.
      const v110 = await uploadVersion(app, "1.10.0");
      const v19 = await uploadVersion(app, "1.9.0");
      await uploadVersion(app, "1.2.0");

      await t.step("nothing stable: 204", async () => {
        assert.equal(await offered(app, agent, "1.0.0"), null);
      });

      await t.step("one stable version: offered only to older agents", async () => {
        const res = await setStable(app, v19.id, true);
        assert.equal(res.status, 200);
        assert.equal(AgentVersionRecord.parse(await res.json()).is_stable, true);
        assert.equal(await offered(app, agent, "1.0.0"), "1.9.0");
        assert.equal(await offered(app, agent, "1.9.0-rc.1"), "1.9.0");
        assert.equal(await offered(app, agent, "1.9.0"), null);
        assert.equal(await offered(app, agent, "2.0.0"), null);
        assert.equal(await offered(app, agent), "1.9.0", "no current_version: the latest");
      });

      await t.step("the reply carries the package's URL, checksum and size", async () => {
        const res = await checkUpdate(app, agent, "1.0.0");
        assert.deepEqual(await res.json(), {
          version: "1.9.0",
          download_url: v19.download_url,
          checksum_sha256: v19.checksum_sha256,
          file_size: v19.bytes.length,
        });
      });

      await t.step("1.10.0 stable beats 1.9.0 although uploaded first", async () => {
        await (await setStable(app, v110.id, true)).body?.cancel();
        assert.equal(await offered(app, agent, "1.9.0"), "1.10.0");
      });

      await t.step("un-marking 1.10.0 is reflected at once", async () => {
        await (await setStable(app, v110.id, false)).body?.cancel();
        assert.equal(await offered(app, agent, "1.0.0"), "1.9.0");
        assert.equal(await offered(app, agent, "1.9.0"), null);
      });

      await t.step("the X-Agent-* header spelling works too", async () => {
        const res = await app.app.request("/api/agent/check_update?current_version=1.0.0", {
          headers: { "x-agent-id": agent.agent_id, "x-agent-token": agent.agent_token },
        });
        assert.equal(res.status, 200);
        await res.body?.cancel();
      });
    },
  });

  Deno.test({
    name: `check_update refuses bad input and bad credentials (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const agent = await app.registerAgent();
      const cases: [string, Record<string, string>, string, number, string][] = [
        [
          "a version that is not semver",
          agent.headers,
          "?current_version=abc",
          400,
          "validation_failed",
        ],
        [
          "a v-prefixed version",
          agent.headers,
          "?current_version=v1.0.0",
          400,
          "validation_failed",
        ],
        ["no credentials", {}, "?current_version=1.0.0", 401, "unauthorized"],
        [
          "a wrong token",
          { "agent-id": agent.agent_id, "agent-token": "x".repeat(43) },
          "?current_version=1.0.0",
          401,
          "unauthorized",
        ],
      ];
      for (const [what, headers, query, status, code] of cases) {
        await t.step(what, async () => {
          const res = await app.app.request(`/api/agent/check_update${query}`, { headers });
          assert.equal(res.status, status);
          assert.equal((await res.json()).error.code, code);
        });
      }
    },
  });

  Deno.test({
    name: `PUT /agents/versions/:id validates its body and knows its ids (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const v = await uploadVersion(app, "1.0.0");
      await t.step("an unknown id: 404", async () => {
        const res = await setStable(app, crypto.randomUUID(), true);
        assert.equal(res.status, 404);
        assert.equal((await res.json()).error.code, "not_found");
      });
      await t.step("a non-uuid id: 404", async () => {
        const res = await setStable(app, "not-a-uuid", true);
        assert.equal(res.status, 404);
        await res.body?.cancel();
      });
      await t.step("is_stable missing: 400", async () => {
        const res = await app.app.request(`/api/admin/agents/versions/${v.id}`, {
          method: "PUT",
          headers: { ...app.adminHeaders, "content-type": "application/json" },
          body: JSON.stringify({ stable: true }),
        });
        assert.equal(res.status, 400);
        assert.equal((await res.json()).error.code, "validation_failed");
      });
      await t.step("marking twice keeps updated_at", async () => {
        const first = await (await setStable(app, v.id, true)).json();
        const second = await (await setStable(app, v.id, true)).json();
        assert.equal(second.is_stable, true);
        assert.equal(second.updated_at, first.updated_at);
        assert.ok(first.updated_at >= v.updated_at);
      });
    },
  });
}
