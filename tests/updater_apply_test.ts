/**
 * The updater end to end, with real processes: it runs from source
 * (`deno run updater/main.ts`) against fake installs whose agents are real
 * processes (tests/fixtures/fake_agent.ts behind a shell launcher).
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
  treeSnapshot,
  waitForHealthFile,
} from "./fixtures/fake_agent_install.ts";
import { isPidAlive } from "../host/process.ts";

interface Install {
  install: string;
  pkg: string;
  logs: string;
}

async function withInstall(mode: FakeMode, run: (t: Install) => Promise<void>): Promise<void> {
  const install = await Deno.makeTempDir({ prefix: "hangar-updater-" });
  await installFakeAgent(install, "1.0.0");
  await Deno.mkdir(join(install, "_update"));
  const pkg = join(install, "_update", "package-1.1.0.zip");
  await fakeAgentPackage(pkg, "1.1.0", mode);
  try {
    await run({ install, pkg, logs: join(install, "logs") });
  } finally {
    await killAgentsOf(install);
    await Deno.remove(install, { recursive: true });
  }
}

function updaterArgs(t: Install, pid: number, extra: string[] = []): string[] {
  return [
    "--package-path",
    t.pkg,
    "--install-dir",
    t.install,
    "--pid-to-wait",
    String(pid),
    "--log-dir",
    t.logs,
    ...extra,
  ];
}

async function assertDataUntouched(install: string): Promise<void> {
  for (const [path, content] of Object.entries(AGENT_DATA)) {
    if (path === "logs/agent.log") continue;
    assert.equal(await Deno.readTextFile(join(install, path)), content, `${path} changed`);
  }
}

async function assertRunningAgent(install: string, version: string): Promise<void> {
  const health = await readJson(join(install, "agent_health.json"));
  assert.equal(health?.version, version);
  assert.ok(
    isPidAlive(health?.pid as number),
    `agent ${version} (pid ${health?.pid}) is not running`,
  );
}

Deno.test("updater replaces a running agent with the new version", async () => {
  await withInstall("ok", async (t) => {
    const old = startFakeAgent(t.install);
    await waitForHealthFile(t.install, "1.0.0");
    const updater = spawnUpdater(updaterArgs(t, old.pid, ["--health-timeout", "15"]));
    // The agent hands over and shuts down once the updater waits for it.
    const deadline = Date.now() + 30_000;
    while (
      !(await Deno.readTextFile(join(t.logs, "updater.log")).catch(() => "")).includes(
        "Step 1/6 wait: begin",
      )
    ) {
      if (Date.now() > deadline) throw new Error("The updater did not reach step 1 in 30 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    old.kill("SIGTERM");
    await old.status;
    const run = await updater;
    assert.equal(run.code, 0, run.stderr);

    assert.deepEqual(await agentFiles(t.install), expectedAgentFiles("1.1.0"));
    await assertRunningAgent(t.install, "1.1.0");
    await assertDataUntouched(t.install);
    assert.equal(await readJson(join(t.install, "update_result.json")), null);
    const log = await Deno.readTextFile(join(t.logs, "updater.log"));
    for (let step = 1; step <= 6; step++) {
      assert.match(log, new RegExp(`Step ${step}/6 \\w+: done in \\d+ ms`));
    }
    assert.match(log, /Update 1\.0\.0 -> 1\.1\.0 complete/);
  });
});

for (
  const { mode, name, message } of [
    {
      mode: "crash" as const,
      name: "crashes at start",
      message: /exited with code 3 before confirming health/,
    },
    {
      mode: "silent" as const,
      name: "never confirms its health",
      message: /did not confirm health as version 1\.1\.0 within 2 s/,
    },
  ]
) {
  Deno.test(`updater rolls back and restarts the old agent when the new one ${name}`, async () => {
    await withInstall(mode, async (t) => {
      const run = await spawnUpdater(updaterArgs(t, await deadPid(), ["--health-timeout", "2"]));
      assert.equal(run.code, 5, run.stderr);

      assert.deepEqual(await agentFiles(t.install), expectedAgentFiles("1.0.0"));
      await assertRunningAgent(t.install, "1.0.0");
      await assertDataUntouched(t.install);
      const result = await readJson(join(t.install, "update_result.json"));
      assert.equal(result?.outcome, "rolled_back");
      assert.equal(result?.error_type, "UpdateLaunchFailed");
      assert.equal(result?.failed_step, "5-launch");
      assert.equal(result?.from_version, "1.0.0");
      assert.equal(result?.to_version, "1.1.0");
      assert.match(result?.message as string, message);
      // The failed new agent was stopped, not left running beside the old one.
      const log = await Deno.readTextFile(join(t.logs, "updater.log"));
      const launched = Number(log.match(/Started the new agent \(pid (\d+)\)/)?.[1]);
      assert.ok(launched > 0 && !isPidAlive(launched), `new agent ${launched} still runs`);
      assert.match(log, /Rollback 6\/6: done/);
    });
  });
}

Deno.test("updater leaves the install untouched, deletes a corrupt package, restarts the old agent", async () => {
  await withInstall("ok", async (t) => {
    const zip = await Deno.readFile(t.pkg);
    zip[Math.floor(zip.length / 2)] ^= 0xff;
    await Deno.writeFile(t.pkg, zip);
    const before = await treeSnapshot(t.install);
    delete before["_update/package-1.1.0.zip"];

    const run = await spawnUpdater(updaterArgs(t, await deadPid()));
    assert.equal(run.code, 4, run.stderr);
    // The old agent exited for the update: it is started again, and only its health file is new.
    await assertRunningAgent(t.install, "1.0.0");
    const after = await treeSnapshot(t.install);
    delete after["agent_health.json"];
    assert.deepEqual(after, before);
    const result = await readJson(join(t.install, "update_result.json"));
    assert.equal(result?.outcome, "failed");
    assert.equal(result?.error_type, "UpdateExtractionFailed");
    assert.equal(result?.failed_step, "2-verify");
    assert.match(
      await Deno.readTextFile(join(t.logs, "updater.log")),
      /Deleted the corrupt package/,
    );
  });
});

Deno.test("updater gives up untouched when the agent never exits", async () => {
  await withInstall("ok", async (t) => {
    const old = startFakeAgent(t.install);
    await waitForHealthFile(t.install, "1.0.0");
    const before = await treeSnapshot(t.install);

    const run = await spawnUpdater(updaterArgs(t, old.pid, ["--wait-timeout", "1"]));
    assert.equal(run.code, 3, run.stderr);
    assert.deepEqual(await treeSnapshot(t.install), before);
    assert.ok(isPidAlive(old.pid), "the old agent keeps running");
    const result = await readJson(join(t.install, "update_result.json"));
    assert.equal(result?.outcome, "failed");
    assert.equal(result?.error_type, "UpdateGeneralFailure");
    assert.equal(result?.failed_step, "1-wait");
    old.kill("SIGKILL");
    await old.status;
  });
});
