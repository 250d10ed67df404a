import assert from "node:assert/strict";
import { makeTestApp, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";
import {
  buildPackage,
  setStable,
  uploadRequest,
  uploadVersion,
} from "../../tests/helpers/package_fixtures.ts";

/** One past 2^53 - 1: the semver library throws on it; the version rule refuses it. */
const HUGE = "9007199254740992.0.0";
const LONG = `1.0.0-${"a".repeat(251)}`;

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `versions above 2^53-1 or longer than 256 get 400 everywhere, never 500 (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const agent = await app.registerAgent();
      const stable = await uploadVersion(app, "1.1.0");
      assert.equal((await setStable(app, stable.id, true)).status, 200);

      for (const version of [HUGE, LONG, "9007199254740991.0.0-x".padEnd(300, "x")]) {
        await t.step(`check_update?current_version=${version.slice(0, 30)}: 400`, async () => {
          const res = await app.app.request(
            `/api/agent/check_update?current_version=${encodeURIComponent(version)}`,
            { headers: agent.headers },
          );
          assert.equal(res.status, 400, await res.clone().text());
          assert.equal((await res.json()).error.code, "validation_failed");
        });
      }

      await t.step("an upload of such a version is refused and stores nothing", async () => {
        const pkg = await buildPackage(HUGE);
        const res = await uploadRequest(app, { version: HUGE, file: pkg.bytes });
        assert.equal(res.status, 400, await res.clone().text());
        assert.equal((await res.json()).error.code, "validation_failed");
        const list = await app.app.request("/api/admin/agents/versions", {
          headers: app.adminHeaders,
        });
        assert.deepEqual((await list.json()).map((v: { version: string }) => v.version), [
          "1.1.0",
        ]);
      });

      await t.step("enrollment with such a version is refused", async () => {
        const res = await app.app.request("/api/agent/register", {
          method: "POST",
          headers: { "content-type": "application/json", "enrollment-token": app.enrollmentToken },
          body: JSON.stringify({ hostname: "pc-huge", os: "windows", agent_version: HUGE }),
        });
        assert.equal(res.status, 400);
        assert.equal((await res.json()).error.code, "validation_failed");
      });

      await t.step("check_update still answers afterwards", async () => {
        const res = await app.app.request("/api/agent/check_update?current_version=1.0.0", {
          headers: agent.headers,
        });
        assert.equal(res.status, 200);
        assert.equal((await res.json()).version, "1.1.0");
      });
    },
  });
}
