/**
 * Fault injection: the updater (run from source) SIGKILLs itself at each
 * numbered step in turn (HANGAR_UPDATER_DIE_AT_STEP), as a power cut would
 * stop it. Then one of the two recovery paths runs, and the install dir must
 * hold a complete, runnable agent, old or new, never a mix:
 *   - "updater --recover", which also starts the agent;
 *   - the agent's own start-up call, recoverInterruptedUpdate(), after which
 *     the test starts the installed agent.
 * Processes: the updater, the fake agents it or the test starts (all killed
 * at the end of each step).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  AGENT_DATA,
  agentFiles,
  deadPid,
  expectedAgentFiles,
  fakeAgentPackage,
  type FakeMode,
  installFakeAgent,
  killAgentsOf,
  readJson,
  spawnUpdater,
  startFakeAgent,
  waitForHealthFile,
} from "./fixtures/fake_agent_install.ts";
import { DIE_AT_STEP_ENV } from "../updater/fault.ts";
import { isPidAlive } from "../host/process.ts";
import { recoverInterruptedUpdate } from "../updater/recover.ts";

const OLD = "1.0.0";
const NEW = "1.1.0";

/** Where to die, the journal step that must be on disk then, and which agent must survive. */
const POINTS: { dieAt: string; step: string; mode: FakeMode; survivor: string }[] = [
  { dieAt: "1", step: "1-wait", mode: "ok", survivor: OLD },
  { dieAt: "verify", step: "2-verify", mode: "ok", survivor: OLD },
  { dieAt: "3", step: "3-backup", mode: "ok", survivor: OLD },
  { dieAt: "backup.mid", step: "3-backup", mode: "ok", survivor: OLD },
  { dieAt: "4", step: "4-swap", mode: "ok", survivor: OLD },
  { dieAt: "4.mid", step: "4-swap", mode: "ok", survivor: OLD },
  { dieAt: "launch", step: "5-launch", mode: "ok", survivor: NEW },
  { dieAt: "5.mid", step: "5-launch", mode: "ok", survivor: NEW },
  { dieAt: "6", step: "6-cleanup", mode: "ok", survivor: NEW },
  // A new agent that crashes makes the updater roll back; then it dies inside the rollback.
  { dieAt: "rollback", step: "rollback", mode: "crash", survivor: OLD },
  { dieAt: "rollback.mid", step: "rollback", mode: "crash", survivor: OLD },
];

type RecoveryPath = "updater --recover" | "agent start";

async function killedUpdate(install: string, dieAt: string, mode: FakeMode): Promise<void> {
  await installFakeAgent(install, OLD);
  await Deno.mkdir(join(install, "_update"));
  const pkg = join(install, "_update", `package-${NEW}.zip`);
  await fakeAgentPackage(pkg, NEW, mode);
  const run = await spawnUpdater(
    [
      ...[
        "--package-path",
        pkg,
        "--install-dir",
        install,
        "--pid-to-wait",
        String(await deadPid()),
      ],
      ...["--log-dir", join(install, "logs"), "--health-timeout", "10"],
    ],
    { [DIE_AT_STEP_ENV]: dieAt },
  );
  assert.equal(run.signal, "SIGKILL", `the updater did not die at ${dieAt}: ${run.stderr}`);
}

async function recover(path: RecoveryPath, install: string, survivor: string): Promise<void> {
  if (path === "updater --recover") {
    const run = await spawnUpdater([
      "--recover",
      "--install-dir",
      install,
      "--health-timeout",
      "10",
    ]);
    assert.equal(run.code, 0, run.stderr);
    await waitForHealthFile(install, survivor);
    return;
  }
  const outcome = await recoverInterruptedUpdate(install, join(install, "logs"));
  // An agent the killed updater had started may have finished the recovery itself first.
  assert.ok(["rolled_back", "rolled_forward", "none"].includes(outcome));
  startFakeAgent(install);
  await waitForHealthFile(install, survivor);
}

async function assertCompleteAgent(install: string, survivor: string, mode: FakeMode) {
  assert.deepEqual(
    await agentFiles(install),
    expectedAgentFiles(survivor, survivor === OLD ? "ok" : mode),
  );
  for (const [path, content] of Object.entries(AGENT_DATA)) {
    if (path !== "logs/agent.log") {
      assert.equal(await Deno.readTextFile(join(install, path)), content);
    }
  }
  const health = await readJson(join(install, "agent_health.json"));
  assert.equal(health?.version, survivor);
  assert.ok(isPidAlive(health?.pid as number), `agent ${survivor} is not running`);
  const result = await readJson(join(install, "update_result.json"));
  if (survivor === OLD) {
    assert.equal(result?.outcome, "rolled_back");
    assert.equal(result?.from_version, OLD);
  } else if (result) {
    assert.equal(result.outcome, "rolled_forward");
  }
}

for (const path of ["updater --recover", "agent start"] as const) {
  Deno.test(`an updater killed at any step is finished by "${path}"`, async (t) => {
    for (const point of POINTS) {
      await t.step(
        `killed at ${point.dieAt}: ${point.survivor === OLD ? "old" : "new"} agent`,
        async () => {
          const install = await Deno.makeTempDir({ prefix: "hangar-fault-" });
          try {
            await killedUpdate(install, point.dieAt, point.mode);
            const journal = await readJson(join(install, "_update_journal.json"));
            assert.equal(journal?.step, point.step, "the journal says where the updater died");
            await recover(path, install, point.survivor);
            await assertCompleteAgent(install, point.survivor, point.mode);
            if (point.step === "rollback") {
              const result = await readJson(join(install, "update_result.json"));
              assert.equal(result?.error_type, "UpdateLaunchFailed");
            }
          } finally {
            await killAgentsOf(install);
            await Deno.remove(install, { recursive: true });
          }
        },
      );
    }
  });
}
