import assert from "node:assert/strict";
import { join } from "node:path";
import { parseTrustedKeys } from "../package/mod.ts";
import {
  buildManifest,
  makePackage,
  type MakePackageOptions,
} from "../tests/helpers/make_package.ts";
import { makeSignedPackage, newSigningKey, type SigningKey } from "../tests/helpers/signing.ts";
import { PackageError, verifyAndExtract } from "./package.ts";

const files = {
  agent: "#!/bin/sh\necho agent\n",
  updater: "#!/bin/sh\necho updater\n",
  "lib/agent.js": "console.log('agent 1.1.0');\n",
};
const OPTIONS: MakePackageOptions = { version: "1.1.0", files };

Deno.test("verifyAndExtract with trusted keys", async (t) => {
  const key = await newSigningKey();
  const keys = await parseTrustedKeys(key.publicKey);
  const dir = await Deno.makeTempDir({ prefix: "hangar-updater-sig-" });
  let n = 0;
  const run = async (
    tamper: ((o: MakePackageOptions) => MakePackageOptions) | undefined,
    installedVersion: string | null = "1.0.0",
    signer: SigningKey | null = key,
  ) => {
    const zip = join(dir, `p${++n}.zip`);
    if (signer) await makeSignedPackage(OPTIONS, zip, signer, tamper);
    else await makePackage(OPTIONS, zip);
    return await verifyAndExtract(zip, join(dir, `s${n}`), { keys, installedVersion });
  };
  try {
    await t.step("extracts a package signed by a trusted key, manifest.sig included", async () => {
      const manifest = await run(undefined);
      assert.equal(manifest.version, "1.1.0");
      const sig = JSON.parse(await Deno.readTextFile(join(dir, `s${n}`, "manifest.sig")));
      assert.equal(sig.key_id, key.keyId);
    });
    const stranger = await newSigningKey();
    const refusals: [
      string,
      Parameters<typeof run>,
      string,
      string | null,
    ][] = [
      ["an unknown key", [undefined, "1.0.0", stranger], "unknown_key", stranger.keyId],
      ["an unsigned package", [undefined, "1.0.0", null], "unsigned", null],
      ["a package not newer than the installed one", [undefined, "1.1.0"], "downgrade", key.keyId],
      [
        "a file swapped after signing",
        [(o) => ({
          ...o,
          files: { ...o.files, "lib/agent.js": "evil();\n".padEnd(28) },
          manifestOverride: () => buildManifest(o),
        })],
        "file_mismatch",
        key.keyId,
      ],
      [
        "a file added after signing",
        [(o) => ({ ...o, extraEntries: { "lib/extra.js": "evil();" } })],
        "file_mismatch",
        key.keyId,
      ],
    ];
    for (const [name, args, reason, keyId] of refusals) {
      await t.step(`refuses ${name} (${reason})`, async () => {
        const err = await run(...args).catch((e) => e);
        assert.ok(err instanceof PackageError, String(err));
        assert.equal(err.trustFailure, reason);
        assert.equal(err.keyId, keyId);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
