/**
 * The updater executable's edges, run from source as a process: --version,
 * --recover with nothing to do, another updater at work, and an interrupted
 * update left behind when a new one starts. Starts: the updater, fake agents.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { VERSION } from "../agent/version.ts";
import {
  agentFiles,
  deadPid,
  expectedAgentFiles,
  fakeAgentPackage,
  installFakeAgent,
  killAgentsOf,
  readJson,
  spawnUpdater,
  treeSnapshot,
  waitForHealthFile,
} from "./fixtures/fake_agent_install.ts";
import { DIE_AT_STEP_ENV } from "../updater/fault.ts";

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hangar-updater-cli-" });
  try {
    await run(dir);
  } finally {
    await killAgentsOf(dir);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("updater --version prints the shared version", async () => {
  const run = await spawnUpdater(["--version"]);
  assert.equal(run.code, 0);
  assert.equal(run.stdout.trim(), VERSION);
});

Deno.test("updater with bad arguments prints its usage and exits 2", async () => {
  const run = await spawnUpdater(["--install-dir"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /Usage:\n {2}updater --package-path <zip>/);
});

Deno.test("updater --recover with no journal does nothing", async () => {
  await withDir(async (dir) => {
    await installFakeAgent(dir, "1.0.0");
    const before = await treeSnapshot(dir);
    const run = await spawnUpdater(["--recover", "--install-dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "none");
    assert.deepEqual(await treeSnapshot(dir), before);
  });
});

Deno.test("updater leaves the install alone while another updater owns the journal", async () => {
  await withDir(async (dir) => {
    await installFakeAgent(dir, "1.0.0");
    await fakeAgentPackage(join(dir, "p.zip"), "1.1.0");
    const now = new Date().toISOString();
    // This test process plays the other updater: alive, and its journal is fresh.
    const journal = {
      format: 1,
      updater_pid: Deno.pid,
      owner: "updater",
      from_version: "1.0.0",
      to_version: "1.1.0",
      step: "3-backup",
      package_path: join(dir, "p.zip"),
      log_dir: join(dir, "logs"),
      old_files: [],
      new_files: [],
      launched_pid: null,
      launched_at: null,
      failure: null,
      wait_timeout_ms: 60_000,
      health_timeout_ms: 60_000,
      started_at: now,
      updated_at: now,
    };
    await Deno.writeTextFile(join(dir, "_update_journal.json"), JSON.stringify(journal));
    const before = await treeSnapshot(dir);
    const run = await spawnUpdater([
      ...["--package-path", join(dir, "p.zip"), "--install-dir", dir],
      ...["--pid-to-wait", String(await deadPid()), "--log-dir", join(dir, "logs")],
    ]);
    assert.equal(run.code, 7, run.stderr);
    assert.deepEqual(await treeSnapshot(dir), before);
  });
});

Deno.test("updater first finishes an interrupted update, then applies its own", async () => {
  await withDir(async (dir) => {
    await installFakeAgent(dir, "1.0.0");
    const args = (pkg: string, pid: number) => [
      ...["--package-path", pkg, "--install-dir", dir, "--pid-to-wait", String(pid)],
      ...["--log-dir", join(dir, "logs"), "--health-timeout", "10"],
    ];
    await fakeAgentPackage(join(dir, "p1.zip"), "1.1.0");
    const killed = await spawnUpdater(args(join(dir, "p1.zip"), await deadPid()), {
      [DIE_AT_STEP_ENV]: "4.mid",
    });
    assert.equal(killed.signal, "SIGKILL");

    await fakeAgentPackage(join(dir, "p2.zip"), "1.2.0");
    const run = await spawnUpdater(args(join(dir, "p2.zip"), await deadPid()));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /interrupted update's journal is present; finishing it/);
    assert.match(
      run.stderr,
      /Recovering the update 1\.0\.0 -> 1\.1\.0 interrupted during step 4-swap: rolling back/,
    );
    await waitForHealthFile(dir, "1.2.0");
    const files = await agentFiles(dir);
    delete files["p1.zip"];
    delete files["p2.zip"];
    assert.deepEqual(files, expectedAgentFiles("1.2.0"));
    // The interrupted update is still reported to the server by the next agent.
    const result = await readJson(join(dir, "update_result.json"));
    assert.equal(result?.to_version, "1.1.0");
    assert.equal(result?.outcome, "rolled_back");
  });
});
