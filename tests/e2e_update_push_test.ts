/**
 * End to end, real processes only: a server (own temp data dir, embedded
 * database), an agent installed from a 1.0.0 portable package, enrolled and
 * running; then `tools/release.ts --version 1.1.0 --target portable --server
 * --stable`. The agent hears of it over the WebSocket, downloads, verifies,
 * hands over to the updater, and 1.1.0 comes up healthy.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildPackage } from "../tools/release/build_package.ts";
import { AgentInstall } from "./helpers/install_agent.ts";
import { describe, lineTime, runRelease } from "./helpers/release_cli.ts";
import {
  getComputerErrors,
  listComputers,
  startServer,
  waitFor,
} from "./helpers/server_process.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test({
  name: "e2e: a version released with --stable reaches a running agent over the WebSocket",
  // The portable launchers under test are POSIX shell scripts.
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "hangar-e2e-push-" });
    // An embedded database per server: the stable version is global to a database.
    const server = await startServer({ env: { DATABASE_URL: "" } });
    let install: AgentInstall | undefined;
    try {
      const v1 = await buildPackage({
        root: ROOT,
        version: "1.0.0",
        target: "portable",
        outDir: join(work, "dist"),
      });
      install = await AgentInstall.create(v1.zipPath, server, {
        config: { ws_reconnect_max_s: 1, retry_max_s: 1 },
      });
      const agent = install;
      agent.start();

      await t.step("1.0.0 runs, is healthy and connected", async () => {
        const health = await waitFor("1.0.0 health", () => agent.healthyAt("1.0.0"), 30_000);
        assert.equal(health.pid, agent.firstPid);
        await waitFor("the agent's WebSocket", async () => {
          const computer = (await listComputers(server)).find((c) => c.id === agent.computerId);
          return computer?.online ? computer : undefined;
        });
      });

      let markedStableAt = 0;
      await t.step("release 1.1.0 --stable uploads and marks it stable", async () => {
        const run = await runRelease(
          ["--version", "1.1.0", "--target", "portable", "--out", join(work, "dist")].concat(
            ["--server", server.url, "--notes", "e2e push", "--stable"],
          ),
          { HANGAR_TOKEN: server.adminToken },
        );
        assert.equal(run.code, 0, describe(run));
        markedStableAt = lineTime(run, /^release: 1\.1\.0 is now the stable version$/);
      });

      await t.step("the updater swaps in 1.1.0, which confirms health", async () => {
        const health = await waitFor(
          "1.1.0 health",
          () => agent.healthyAt("1.1.0"),
          60_000,
        ).catch(async (error) => {
          throw new Error(`${error.message}\n${await agent.logs()}`);
        });
        const seconds = ((performance.now() - markedStableAt) / 1000).toFixed(1);
        console.log(`update 1.0.0 -> 1.1.0: ${seconds} s from marking stable to healthy 1.1.0`);
        assert.notEqual(health.pid, agent.firstPid);
        assert.match(await agent.agentLog(), /New-version notice received/);
      });

      await t.step("the install says 1.1.0 everywhere and the server agrees", async () => {
        assert.equal((await agent.config()).current_version, "1.1.0");
        assert.equal(await agent.cliVersion(), "1.1.0");
        const manifest = JSON.parse(await Deno.readTextFile(join(agent.dir, "manifest.json")));
        assert.equal(manifest.version, "1.1.0");
        await waitFor(
          "the updater to finish",
          async () =>
            !await agent.exists("_update_journal.json") && !await agent.exists("_backup_old") ||
            undefined,
        );
        const computer = await waitFor("server shows 1.1.0", async () => {
          const c = (await listComputers(server)).find((c) => c.id === agent.computerId);
          return c?.agent_version === "1.1.0" ? c : undefined;
        });
        assert.equal(computer.have_active_errors, false);
        assert.deepEqual(await getComputerErrors(server, agent.computerId), []);
      });
    } finally {
      await install?.cleanup();
      await server.stop();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
