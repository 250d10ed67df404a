/**
 * End to end, real processes only: a server (own temp data dir, embedded
 * database), an agent installed from a 1.0.0 portable package, enrolled and
 * running; then `tools/release.ts --version 1.1.0 --target portable --server
 * URL --stable` as a child process. The agent hears of it over the WebSocket,
 * downloads, verifies, hands over to the updater, and 1.1.0 comes up healthy.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { setUpE2E, waitForComputer, withLogs } from "./helpers/e2e_setup.ts";
import { describe, lineTime, runRelease } from "./helpers/release_cli.ts";
import { getComputerErrors, waitFor } from "./helpers/server_process.ts";

Deno.test({
  name: "e2e: a version released with --stable reaches a running agent over the WebSocket",
  // The portable launchers under test are POSIX shell scripts.
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const e2e = await setUpE2E({
      prefix: "push",
      versions: ["1.0.0"],
      config: { ws_reconnect_max_s: 1, retry_max_s: 1 },
    });
    const { agent, server } = e2e;
    try {
      let markedStableAt = 0;
      await t.step("release 1.1.0 --stable builds, uploads and marks it stable", async () => {
        const run = await runRelease(
          ["--version", "1.1.0", "--target", "portable", "--out", join(e2e.work, "dist")].concat(
            ["--server", server.url, "--notes", "e2e push", "--stable"],
          ),
          { HANGAR_TOKEN: server.adminToken },
        );
        assert.equal(run.code, 0, describe(run));
        markedStableAt = lineTime(run, /^release: 1\.1\.0 is now the stable version$/);
      });

      await t.step("the updater swaps in 1.1.0, which confirms health", async () => {
        const health = await withLogs(
          agent,
          waitFor("1.1.0 health", () => agent.healthyAt("1.1.0"), 60_000),
        );
        const seconds = ((performance.now() - markedStableAt) / 1000).toFixed(1);
        console.log(`update 1.0.0 -> 1.1.0: ${seconds} s from marking stable to healthy 1.1.0`);
        assert.notEqual(health.pid, agent.firstPid);
      });

      await t.step("the agent's log shows each step of the hand-over, in order", async () => {
        const log = await agent.agentLog();
        let from = 0;
        for (
          const step of [
            /New-version notice received/,
            /Update step 1\/5: .*resources/,
            /Enough free disk space/,
            /Update step 2\/5: .*download/,
            /Package downloaded/,
            /Update step 3\/5: .*SHA-256/,
            /Update step 4\/5: .*updater/,
            /Update step 5\/5: .*launching the updater/,
            /Agent stopped .*"exit_code":0/,
            /Agent starting .*"version":"1\.1\.0"/,
            /Health file written/,
          ]
        ) {
          const match = step.exec(log.slice(from));
          assert.ok(match, `after offset ${from}, the agent log shows ${step}\n${log}`);
          from += match.index + match[0].length;
        }
      });

      await t.step("the install says 1.1.0 everywhere and the server agrees", async () => {
        assert.equal((await agent.config()).current_version, "1.1.0");
        assert.equal(await agent.cliVersion(), "1.1.0");
        const manifest = JSON.parse(await Deno.readTextFile(join(agent.dir, "manifest.json")));
        assert.equal(manifest.version, "1.1.0");
        await waitFor(
          "the updater to clean up",
          async () =>
            (!await agent.exists("_update_journal.json") && !await agent.exists("_backup_old")) ||
            undefined,
        );
        const computer = await waitForComputer(
          server,
          agent.computerId,
          "on 1.1.0",
          (c) => c.agent_version === "1.1.0",
        );
        assert.equal(computer.have_active_errors, false);
        assert.deepEqual(await getComputerErrors(server, agent.computerId), []);
      });
    } finally {
      await e2e.close();
    }
  },
});
