/**
 * Issue 13, item 11: versions equal in semver precedence (`9.1.0+a`, `+b`,
 * `+c`: build metadata does not count) conflict, also when uploaded at once on
 * PostgreSQL, where each upload runs on its own connection.
 */
import assert from "node:assert/strict";
import { HttpError } from "../errors.ts";
import { makeTestApp, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";
import { buildPackage, packageFiles, uploadRequest } from "../../tests/helpers/package_fixtures.ts";

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `concurrent uploads of 9.1.0+a, +b and +c: one 201, two 409 (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const versions = ["9.1.0+a", "9.1.0+b", "9.1.0+c"];
      const packages = await Promise.all(versions.map((v) => buildPackage(v)));
      const replies = await Promise.all(
        versions.map((version, i) => uploadRequest(h, { version, file: packages[i].bytes })),
      );
      const statuses = replies.map((r) => r.status).sort();
      const bodies = await Promise.all(replies.map((r) => r.json()));
      assert.deepEqual(statuses, [201, 409, 409], JSON.stringify(bodies));
      for (const body of bodies.filter((b) => b.error)) assert.equal(body.error.code, "conflict");
      const list = await h.app.request("/api/admin/agents/versions", { headers: h.adminHeaders });
      assert.equal((await list.json()).length, 1);
      assert.equal((await packageFiles(h)).length, 1, "the losers leave no file behind");
    },
  });
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `AgentVersions.create of 9.2.0+a..+e at the same moment stores one (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const versions = ["9.2.0+a", "9.2.0+b", "9.2.0+c", "9.2.0+d", "9.2.0+e"];
      // Checked packages ready to store, so the five transactions start together.
      const temps = await Promise.all(versions.map(async () => {
        const temp = await h.deps.packages.createTemp();
        await temp.file.write(new Uint8Array([1, 2, 3]));
        temp.file.close();
        return temp.path;
      }));
      const results = await Promise.allSettled(versions.map((version, i) =>
        h.deps.versions.create({
          version,
          notes: null,
          tempPath: temps[i],
          sha256: "0".repeat(64),
          size: 3,
          signedBy: null,
        })
      ));
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      for (const r of results) {
        if (r.status === "rejected") {
          assert.ok(r.reason instanceof HttpError && r.reason.status === 409, String(r.reason));
        }
      }
    },
  });
}
