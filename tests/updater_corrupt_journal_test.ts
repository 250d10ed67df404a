/**
 * A corrupt `_update_journal.json` (zero bytes, torn JSON) must not keep the
 * agent down: `updater --recover` and an agent's start-up recovery (the fake
 * agent of tests/fixtures runs the same recovery as `agent run`) inspect the
 * install instead, keep or restore a complete agent, start it, and leave an
 * `update_result.json` saying what happened. Real processes: the updater CLI
 * and fake agents started from shell launchers.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  agentFiles,
  expectedAgentFiles,
  fakeAgentFiles,
  installFakeAgent,
  killAgentsOf,
  readJson,
  spawnUpdater,
  waitForHealthFile,
} from "./fixtures/fake_agent_install.ts";
import { buildManifest } from "./helpers/make_package.ts";

const JOURNAL = "_update_journal.json";
const ZERO_BYTES = new Uint8Array(100);
const TORN = new TextEncoder().encode('{"format":1,"updater_pid":4242,"step":"4-sw');

async function withInstall(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hangar-corrupt-journal-" });
  try {
    await installFakeAgent(dir, "1.0.0");
    await run(dir);
  } finally {
    await killAgentsOf(dir);
    await Deno.remove(dir, { recursive: true });
  }
}

/** Leaves `dir` as an updater killed mid-swap leaves it: 1.0.0 in the backup, part of 1.1.0 in place. */
async function interruptMidSwap(dir: string): Promise<void> {
  const old = [...Object.keys(fakeAgentFiles("1.0.0")), "manifest.json"];
  for (const path of old) {
    await Deno.mkdir(dirname(join(dir, "_backup_old", path)), { recursive: true });
    await Deno.rename(join(dir, path), join(dir, "_backup_old", path));
  }
  const files = fakeAgentFiles("1.1.0");
  for (const path of ["lib/agent.js", "only-in-1.1.0.txt"]) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeTextFile(join(dir, path), files[path]);
  }
  const manifest = buildManifest({ version: "1.1.0", files });
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
}

const cases: [string, Uint8Array, boolean, string, RegExp][] = [
  ["100 zero bytes, a complete agent in place", ZERO_BYTES, false, "rolled_forward", /kept/],
  [
    "torn JSON, killed mid-swap",
    TORN,
    true,
    "rolled_back",
    /restored the complete version 1\.0\.0/,
  ],
];

for (const [name, journal, midSwap, outcome, found] of cases) {
  for (const via of ["updater --recover", "the agent's start-up recovery"]) {
    Deno.test({
      name: `corrupt journal (${name}): ${via} restores 1.0.0, starts it and reports`,
      ignore: Deno.build.os === "windows",
      async fn() {
        await withInstall(async (dir) => {
          if (midSwap) await interruptMidSwap(dir);
          await Deno.writeFile(join(dir, JOURNAL), journal);
          if (via === "updater --recover") {
            const run = await spawnUpdater([
              "--recover",
              "--install-dir",
              dir,
              "--health-timeout",
              "30",
            ]);
            assert.equal(run.code, 0, run.stderr);
            assert.equal(run.stdout.trim(), outcome);
          } else {
            // Mid-swap the launcher in place may be gone: the old agent's copy in the backup runs.
            const from = midSwap ? join(dir, "_backup_old") : dir;
            new Deno.Command(join(from, "agent"), {
              args: ["run", "--install-dir", dir],
              stdin: "null",
              stdout: "null",
              stderr: "null",
            }).spawn();
          }
          await waitForHealthFile(dir, "1.0.0", 30_000);
          const { [`${JOURNAL}.corrupt`]: setAside, ...files } = await agentFiles(dir);
          assert.deepEqual(files, expectedAgentFiles("1.0.0"));
          assert.ok(setAside, "the unreadable journal is kept beside the install");
          const result = await readJson(join(dir, "update_result.json"));
          assert.equal(result?.outcome, outcome);
          assert.equal(result?.error_type, "UpdateGeneralFailure");
          assert.equal(result?.failed_step, "journal");
          assert.match(String(result?.message), /could not be read/);
          assert.match(String(result?.message), found);
          await assert.rejects(Deno.stat(join(dir, JOURNAL)), Deno.errors.NotFound);
          assert.deepEqual(await Deno.readFile(join(dir, `${JOURNAL}.corrupt`)), journal);
          await assert.rejects(Deno.stat(join(dir, "_backup_old")), Deno.errors.NotFound);
        });
      },
    });
  }
}
