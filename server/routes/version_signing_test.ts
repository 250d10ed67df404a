/**
 * Uploads to a server that is told its trusted keys (TRUSTED_KEYS): only
 * packages signed by one of them are kept, with `signed_by` in the record.
 */
import assert from "node:assert/strict";
import type { AgentVersionRecord } from "../../protocol/mod.ts";
import { makeSignedPackage, newSigningKey } from "../../tests/helpers/signing.ts";
import { makeTestApp, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";
import {
  buildPackage,
  type BuiltPackage,
  packageFiles,
  sha256,
  uploadRequest,
  versionRowCount,
} from "../../tests/helpers/package_fixtures.ts";

const FILES = { agent: "#!/bin/sh\necho agent\n", updater: "#!/bin/sh\necho updater\n" };

async function signedPackage(
  version: string,
  key: Awaited<ReturnType<typeof newSigningKey>>,
): Promise<BuiltPackage> {
  const dir = await Deno.makeTempDir({ prefix: "hangar-signed-pkg-" });
  try {
    await makeSignedPackage({ version, files: FILES }, `${dir}/p.zip`, key);
    const bytes = await Deno.readFile(`${dir}/p.zip`);
    return { bytes, sha256: sha256(bytes) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `uploads with TRUSTED_KEYS: signed kept with signed_by, others 400 (${label})`,
    ignore,
    async fn(t) {
      const key = await newSigningKey();
      const next = await newSigningKey();
      const stranger = await newSigningKey();
      await using app = await makeTestApp({
        adapter,
        env: { TRUSTED_KEYS: `${key.publicKey},${next.publicKey}` },
      });

      const refusals: [string, () => Promise<BuiltPackage>, RegExp][] = [
        ["an unsigned package", () => buildPackage("1.0.0"), /\(unsigned\)/],
        [
          "a package signed by an unknown key",
          () => signedPackage("1.0.0", stranger),
          new RegExp(`\\(unknown_key\\): .*${stranger.keyId}`),
        ],
      ];
      for (const [name, make, reason] of refusals) {
        await t.step(`${name}: 400 with the reason, no file, no row`, async () => {
          const res = await uploadRequest(app, { version: "1.0.0", file: (await make()).bytes });
          assert.equal(res.status, 400);
          const body = await res.json();
          assert.equal(body.error.code, "bad_request");
          assert.match(body.error.message, reason);
          assert.deepEqual(await packageFiles(app), []);
          assert.equal(await versionRowCount(app), 0);
        });
      }

      await t.step("packages signed by either trusted key: 201 with signed_by", async () => {
        for (const [version, signer] of [["1.0.0", key], ["1.1.0", next]] as const) {
          const res = await uploadRequest(app, {
            version,
            file: (await signedPackage(version, signer)).bytes,
          });
          assert.equal(res.status, 201, await res.clone().text());
          assert.equal((await res.json() as AgentVersionRecord).signed_by, signer.keyId);
        }
        const list = await app.app.request("/api/admin/agents/versions", {
          headers: app.adminHeaders,
        });
        const records = await list.json() as AgentVersionRecord[];
        assert.deepEqual(
          records.map((r) => [r.version, r.signed_by]),
          [["1.1.0", next.keyId], ["1.0.0", key.keyId]],
        );
      });
    },
  });

  Deno.test({
    name: `uploads without TRUSTED_KEYS are not checked: signed_by is null (${label})`,
    ignore,
    async fn() {
      await using app = await makeTestApp({ adapter });
      const key = await newSigningKey();
      const res = await uploadRequest(app, {
        version: "1.0.0",
        file: (await signedPackage("1.0.0", key)).bytes,
      });
      assert.equal(res.status, 201);
      assert.equal((await res.json() as AgentVersionRecord).signed_by, null);
    },
  });
}
