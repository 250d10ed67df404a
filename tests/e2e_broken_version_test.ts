/**
 * End to end, real processes only: a server (own temp data dir, embedded
 * database) and a running agent installed from a 1.0.0 portable package.
 * A 1.1.0 package is built, then its agent.js is replaced by a program that
 * exits with code 3 at start (manifest re-hashed, zip rebuilt) — a release
 * whose agent cannot run. Marked stable, the updater must roll back, 1.0.0
 * must run again, and the failed update must appear in the computer's errors
 * once: the restarted 1.0.0 agent skips the version that failed on it instead
 * of installing it again in a loop. The admin then pulls the release, and
 * 1.0.0 keeps running.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { refreshManifest, zipPackage } from "../tools/release/build_package.ts";
import { setUpE2E, waitForComputer, waitForSteady, withLogs } from "./helpers/e2e_setup.ts";
import { getComputerErrors, markStable, uploadPackage, waitFor } from "./helpers/server_process.ts";

const EXITS_AT_START = 'console.error("this agent build is broken");\nDeno.exit(3);\n';

Deno.test({
  name: "e2e: a release whose agent exits at start is rolled back and reported",
  // The portable launchers under test are POSIX shell scripts.
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const e2e = await setUpE2E({ prefix: "broken", versions: ["1.0.0", "1.1.0"] });
    const { agent, server } = e2e;
    try {
      const broken = e2e.packages["1.1.0"];
      await Deno.writeTextFile(join(broken.packageDir, "agent.js"), EXITS_AT_START);
      await refreshManifest(broken.packageDir);
      await zipPackage(broken.packageDir, broken.zipPath);
      const record = await uploadPackage(server, broken.zipPath, "1.1.0", "broken on purpose");
      await markStable(server, record.id);

      await t.step("the failed launch reaches the server as an error", async () => {
        const error = await withLogs(
          agent,
          waitFor("an update error", async () => {
            const errors = await getComputerErrors(server, agent.computerId);
            return errors.find((e) => e.error_type === "UpdateLaunchFailed");
          }, 60_000),
        );
        assert.equal(error.error_details.from_version, "1.0.0");
        assert.equal(error.error_details.to_version, "1.1.0");
        assert.equal(error.error_details.outcome, "rolled_back");
        assert.match(error.error_message, /code 3/);
      });

      await t.step("the rolled-back agent does not install the broken version again", async () => {
        await withLogs(
          agent,
          waitFor("the skip in the agent log", async () => {
            const log = await agent.agentLog();
            return log.includes("Update to 1.1.0 skipped: it failed here before")
              ? true
              : undefined;
          }, 30_000),
        );
        // Ask again rather than wait: an agent checks when its socket reconnects, so after a
        // server restart it decides once more. Its next skip shows it did not try again.
        const skips = async () =>
          (await agent.agentLog()).split("Update to 1.1.0 skipped: it failed here before")
            .length - 1;
        const before = await skips();
        await server.restart();
        await withLogs(
          agent,
          waitFor("the skip after a reconnect", async () => {
            return await skips() > before ? true : undefined;
          }, 120_000),
        );
        const failures = (await getComputerErrors(server, agent.computerId))
          .filter((e) => e.error_type === "UpdateLaunchFailed");
        assert.equal(failures.length, 1);
        assert.equal(await agent.exists("_update_journal.json"), false);
      });

      await t.step("after the release is pulled, 1.0.0 runs again and stays", async () => {
        await markStable(server, record.id, false);
        // Settled: one live 1.0.0 agent and no updater at work, for 3 s in a row (an
        // attempt that began before the pull may still be failing and rolling back).
        const settled = await withLogs(
          agent,
          waitForSteady("a settled 1.0.0 agent", async () => {
            const health = await agent.healthyAt("1.0.0");
            if (!health || await agent.exists("_update_journal.json")) return undefined;
            const pids = agent.processes();
            return pids.length === 1 && pids[0] === health.pid ? health : undefined;
          }, 3_000),
        );
        assert.notEqual(settled.pid, agent.firstPid, "the rolled-back agent is a new process");
      });

      await t.step("the install and the server say 1.0.0", async () => {
        assert.equal(await agent.cliVersion(), "1.0.0");
        assert.equal((await agent.config()).current_version, "1.0.0");
        assert.equal(await agent.exists("_backup_old"), false);
        assert.equal(await agent.exists("update_result.json"), false, "reported and removed");
        const computer = await waitForComputer(server, agent.computerId, "online", (c) => c.online);
        assert.equal(computer.agent_version, "1.0.0");
      });
    } finally {
      await e2e.close();
    }
  },
});
