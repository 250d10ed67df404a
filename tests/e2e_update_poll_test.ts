/**
 * End to end, real processes only: a server (own temp data dir, embedded
 * database) and an agent installed from a 1.0.0 portable package whose
 * WebSocket is turned off (`ws_enabled: false`). A 1.1.0 marked stable is
 * found by the agent's periodic check instead, and installed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildPackage } from "../tools/release/build_package.ts";
import { AgentInstall } from "./helpers/install_agent.ts";
import {
  getComputerErrors,
  listComputers,
  markStable,
  startServer,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test({
  name: "e2e: an agent without a WebSocket finds a stable release by its periodic check",
  // The portable launchers under test are POSIX shell scripts.
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "hangar-e2e-poll-" });
    const server = await startServer({ env: { DATABASE_URL: "" } });
    let install: AgentInstall | undefined;
    try {
      const dist = join(work, "dist");
      const v1 = await buildPackage({
        root: ROOT,
        version: "1.0.0",
        target: "portable",
        outDir: dist,
      });
      const v2 = await buildPackage({
        root: ROOT,
        version: "1.1.0",
        target: "portable",
        outDir: dist,
      });
      install = await AgentInstall.create(v1.zipPath, server, {
        config: { ws_enabled: false, check_interval_s: 1, retry_max_s: 1 },
      });
      const agent = install;
      agent.start();

      await t.step("1.0.0 runs with no WebSocket", async () => {
        await waitFor("1.0.0 health", () => agent.healthyAt("1.0.0"), 30_000);
        const computer = (await listComputers(server)).find((c) => c.id === agent.computerId);
        assert.equal(computer?.online, false);
      });

      await t.step("a periodic check finds 1.1.0 and the update completes", async () => {
        const record = await uploadPackage(server, v2.zipPath, "1.1.0", "e2e poll");
        const markedAt = performance.now();
        await markStable(server, record.id);
        await waitFor("1.1.0 health", () => agent.healthyAt("1.1.0"), 60_000).catch(
          async (error) => {
            throw new Error(`${error.message}\n${await agent.logs()}`);
          },
        );
        const seconds = ((performance.now() - markedAt) / 1000).toFixed(1);
        console.log(`update by polling: ${seconds} s from marking stable to healthy 1.1.0`);
        const log = await agent.agentLog();
        assert.doesNotMatch(log, /New-version notice/);
        assert.match(log, /Update available/);
      });

      await t.step("the install and the server say 1.1.0, with no errors", async () => {
        assert.equal((await agent.config()).current_version, "1.1.0");
        assert.equal(await agent.cliVersion(), "1.1.0");
        await waitFor("server shows 1.1.0", async () => {
          const c = (await listComputers(server)).find((c) => c.id === agent.computerId);
          return c?.agent_version === "1.1.0" ? c : undefined;
        });
        assert.deepEqual(await getComputerErrors(server, agent.computerId), []);
      });
    } finally {
      await install?.cleanup();
      await server.stop();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
