/**
 * The updater's signature check with real processes: it runs from source
 * (`deno run updater/main.ts`) against fake installs whose agents are real
 * processes (tests/fixtures/fake_agent.ts), given `--trusted-keys` the way
 * the agent passes them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  agentFiles,
  deadPid,
  expectedAgentFiles,
  fakeAgentFiles,
  installFakeAgent,
  killAgentsOf,
  readJson,
  spawnUpdater,
} from "./fixtures/fake_agent_install.ts";
import { makeSignedPackage, newSigningKey, type SigningKey } from "./helpers/signing.ts";
import { isPidAlive } from "../host/process.ts";

async function withSignedUpdate(
  signer: SigningKey,
  fn: (install: string, pkg: string) => Promise<void>,
): Promise<void> {
  const install = await Deno.makeTempDir({ prefix: "hangar-updater-sig-" });
  try {
    await installFakeAgent(install, "1.0.0");
    await Deno.mkdir(join(install, "_update"));
    const pkg = join(install, "_update", "package-1.1.0.zip");
    await makeSignedPackage({ version: "1.1.0", files: fakeAgentFiles("1.1.0") }, pkg, signer);
    await fn(install, pkg);
  } finally {
    await killAgentsOf(install);
    await Deno.remove(install, { recursive: true });
  }
}

async function args(install: string, pkg: string, keys: string): Promise<string[]> {
  return [
    "--package-path",
    pkg,
    "--install-dir",
    install,
    "--pid-to-wait",
    String(await deadPid()),
    "--log-dir",
    join(install, "logs"),
    "--health-timeout",
    "15",
    "--trusted-keys",
    keys,
  ];
}

async function runningVersion(install: string): Promise<string | undefined> {
  const health = await readJson(join(install, "agent_health.json"));
  return health && isPidAlive(health.pid as number) ? health.version as string : undefined;
}

Deno.test("updater installs a package signed by a key it was given", async () => {
  const key = await newSigningKey();
  const other = await newSigningKey();
  await withSignedUpdate(key, async (install, pkg) => {
    const run = await spawnUpdater(
      await args(install, pkg, `${other.publicKey},${key.publicKey}`),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await runningVersion(install), "1.1.0");
    const log = await Deno.readTextFile(join(install, "logs", "updater.log"));
    assert.match(log, new RegExp(`Trusted keys: ${other.keyId}, ${key.keyId}`));
    const sig = JSON.parse(await Deno.readTextFile(join(install, "manifest.sig")));
    assert.equal(sig.key_id, key.keyId, "the signature is installed with its manifest");
  });
});

Deno.test("updater refuses a package signed by another key, changes nothing, restarts the old agent", async () => {
  const trusted = await newSigningKey();
  const stranger = await newSigningKey();
  await withSignedUpdate(stranger, async (install, pkg) => {
    const run = await spawnUpdater(await args(install, pkg, trusted.publicKey));
    assert.equal(run.code, 4, run.stderr);
    const result = await readJson(join(install, "update_result.json"));
    assert.equal(result?.outcome, "failed");
    assert.equal(result?.failed_step, "2-verify");
    assert.equal(result?.error_type, "UpdateSignatureInvalid");
    assert.equal(result?.reason, "unknown_key");
    assert.equal(result?.key_id, stranger.keyId);
    assert.match(
      result?.message as string,
      new RegExp(`key ${stranger.keyId}, which is not trusted`),
    );
    assert.deepEqual(await agentFiles(install), expectedAgentFiles("1.0.0"));
    assert.equal(await runningVersion(install), "1.0.0");
    await assert.rejects(Deno.stat(pkg), Deno.errors.NotFound, "the refused package is deleted");
  });
});

Deno.test("updater refuses a malformed --trusted-keys as bad usage", async () => {
  const key = await newSigningKey();
  await withSignedUpdate(key, async (install, pkg) => {
    const run = await spawnUpdater(await args(install, pkg, "hangar-ed25519:short"));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--trusted-keys: "hangar-ed25519:short"/);
    assert.equal(await readJson(join(install, "update_result.json")), null);
  });
});
