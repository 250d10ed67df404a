import assert from "node:assert/strict";
import { join } from "node:path";
import { AgentVersionRecord } from "../../protocol/mod.ts";
import { makeTestApp, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";
import {
  buildPackage,
  packageFiles,
  sha256,
  uploadRequest,
  uploadVersion,
  versionRowCount,
} from "../../tests/helpers/package_fixtures.ts";

/** Small, so the oversize case needs no large file. */
const MAX_BYTES = 64 * 1024;

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `POST /agents/versions stores a checked package as a new version (${label})`,
    ignore,
    async fn() {
      await using t = await makeTestApp({ adapter });
      const pkg = await buildPackage("1.1.0");
      const res = await uploadRequest(t, { version: "1.1.0", notes: " first ", file: pkg.bytes });
      assert.equal(res.status, 201);
      const record = AgentVersionRecord.parse(await res.json());
      assert.equal(record.version, "1.1.0");
      assert.equal(record.checksum_sha256, pkg.sha256);
      assert.equal(record.file_size, pkg.bytes.length);
      assert.equal(record.notes, "first");
      assert.equal(record.is_stable, false);
      assert.equal(record.download_url, "/api/agent/agent-packages/hangar-agent-1.1.0.zip");
      assert.deepEqual(await packageFiles(t), ["hangar-agent-1.1.0.zip"]);
      const stored = await Deno.readFile(join(t.dataDir, "packages", "hangar-agent-1.1.0.zip"));
      assert.equal(sha256(stored), pkg.sha256);

      const list = await t.app.request("/api/admin/agents/versions", { headers: t.adminHeaders });
      assert.deepEqual(await list.json(), [record]);
    },
  });

  Deno.test({
    name: `POST /agents/versions rejects bad uploads leaving no file and no row (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({
        adapter,
        env: { PACKAGE_MAX_BYTES: String(MAX_BYTES) },
      });
      const good = await buildPackage("2.0.0");
      const big = await buildPackage("2.0.0", {
        files: { agent: crypto.getRandomValues(new Uint8Array(65_536)), updater: "u" },
        extraEntries: { "pad.bin": crypto.getRandomValues(new Uint8Array(32_768)) },
      });
      const cases: [string, () => Promise<Response>, number, string, RegExp][] = [
        [
          "an invalid semver",
          () => uploadRequest(app, { version: "2.0", file: good.bytes }),
          400,
          "validation_failed",
          /not a semantic version/,
        ],
        [
          "a missing version",
          () => uploadRequest(app, { file: good.bytes }),
          400,
          "validation_failed",
          /version is required/,
        ],
        [
          "a missing file",
          () => uploadRequest(app, { version: "2.0.0" }),
          400,
          "validation_failed",
          /file is required/,
        ],
        [
          "a file that is not a zip",
          () =>
            uploadRequest(app, {
              version: "2.0.0",
              file: new TextEncoder().encode("MZ not a zip ".repeat(50)),
            }),
          400,
          "bad_request",
          /not a zip/,
        ],
        [
          "a manifest for another version",
          () => uploadRequest(app, { version: "2.0.1", file: good.bytes }),
          400,
          "bad_request",
          /says version "2\.0\.0", the upload says "2\.0\.1"/,
        ],
        [
          "a zip-slip entry",
          async () =>
            uploadRequest(app, {
              version: "2.0.0",
              file: (await buildPackage("2.0.0", { extraEntries: { "../../evil": "x" } })).bytes,
            }),
          400,
          "bad_request",
          /unsafe entry path "\.\.\/\.\.\/evil"/,
        ],
        [
          "a package without the updater it names",
          async () =>
            uploadRequest(app, {
              version: "2.0.0",
              file: (await buildPackage("2.0.0", { files: { agent: "a" } })).bytes,
            }),
          400,
          "bad_request",
          /no updater file/,
        ],
        [
          "a package over PACKAGE_MAX_BYTES",
          () => uploadRequest(app, { version: "2.0.0", file: big.bytes }),
          413,
          "payload_too_large",
          /over the limit of 65536 bytes/,
        ],
        [
          "a JSON body instead of a form",
          () =>
            Promise.resolve(app.app.request("/api/admin/agents/versions", {
              method: "POST",
              headers: { ...app.adminHeaders, "content-type": "application/json" },
              body: JSON.stringify({ version: "2.0.0" }),
            })),
          400,
          "bad_request",
          /multipart\/form-data/,
        ],
        [
          "no admin session",
          () =>
            Promise.resolve(app.app.request("/api/admin/agents/versions", {
              method: "POST",
              body: new FormData(),
            })),
          401,
          "unauthorized",
          /Sign in/,
        ],
      ];
      for (const [what, send, status, code, message] of cases) {
        await t.step(what, async () => {
          const res = await send();
          const body = await res.json();
          assert.equal(res.status, status, JSON.stringify(body));
          assert.equal(body.error.code, code);
          assert.match(body.error.message, message);
          assert.deepEqual(await packageFiles(app), []);
          assert.equal(await versionRowCount(app), 0);
        });
      }
    },
  });

  Deno.test({
    name: `POST /agents/versions answers 409 to a version that exists (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const first = await uploadVersion(app, "3.0.0");

      await t.step("sequentially", async () => {
        const again = await buildPackage("3.0.0", { extraEntries: { "other.txt": "changed" } });
        const res = await uploadRequest(app, { version: "3.0.0", file: again.bytes });
        assert.equal(res.status, 409);
        assert.equal((await res.json()).error.code, "conflict");
        const stored = await Deno.readFile(join(app.dataDir, "packages", "hangar-agent-3.0.0.zip"));
        assert.equal(sha256(stored), first.checksum_sha256, "the first upload's file is kept");
      });

      await t.step("with the same precedence (build metadata differs)", async () => {
        const res = await uploadRequest(app, {
          version: "3.0.0+build.7",
          file: (await buildPackage("3.0.0+build.7")).bytes,
        });
        assert.equal(res.status, 409);
      });

      await t.step("when five uploads of one new version race", async () => {
        const pkg = await buildPackage("3.1.0");
        const replies = await Promise.all(
          Array.from(
            { length: 5 },
            () => uploadRequest(app, { version: "3.1.0", file: pkg.bytes }),
          ),
        );
        const statuses = replies.map((r) => r.status).sort();
        await Promise.all(replies.map((r) => r.body?.cancel()));
        assert.deepEqual(statuses, [201, 409, 409, 409, 409]);
      });

      assert.equal(await versionRowCount(app), 2);
      assert.deepEqual(await packageFiles(app), [
        "hangar-agent-3.0.0.zip",
        "hangar-agent-3.1.0.zip",
      ]);
    },
  });

  Deno.test({
    name: `GET /agents/versions lists the highest semver first, not the newest upload (${label})`,
    ignore,
    async fn() {
      await using t = await makeTestApp({ adapter });
      for (const v of ["1.10.0", "1.2.0", "1.9.0", "2.0.0-rc.1", "1.10.1-beta.2"]) {
        await uploadVersion(t, v);
      }
      const res = await t.app.request("/api/admin/agents/versions", { headers: t.adminHeaders });
      const versions = (await res.json()).map((r: AgentVersionRecord) => r.version);
      assert.deepEqual(versions, ["2.0.0-rc.1", "1.10.1-beta.2", "1.10.0", "1.9.0", "1.2.0"]);
    },
  });
}
