/**
 * End to end, real processes only: a server (own temp data dir, embedded
 * database) and an agent installed from a 1.0.0 portable package whose
 * WebSocket is turned off (`ws_enabled: false`). A 1.1.0 marked stable is
 * found by the agent's periodic check instead, and installed.
 */
import assert from "node:assert/strict";
import { setUpE2E, waitForComputer, withLogs } from "./helpers/e2e_setup.ts";
import { getComputerErrors, markStable, uploadPackage, waitFor } from "./helpers/server_process.ts";

Deno.test({
  name: "e2e: an agent without a WebSocket finds a stable release by its periodic check",
  // The portable launchers under test are POSIX shell scripts.
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const e2e = await setUpE2E({
      prefix: "poll",
      versions: ["1.0.0", "1.1.0"],
      config: { ws_enabled: false, check_interval_s: 1, retry_max_s: 1 },
    });
    const { agent, server } = e2e;
    try {
      await t.step("a periodic check finds 1.1.0 and the update completes", async () => {
        const computer = await waitForComputer(server, agent.computerId, "listed", () => true);
        assert.equal(computer.online, false, "no WebSocket connection");
        const record = await uploadPackage(server, e2e.packages["1.1.0"].zipPath, "1.1.0");
        const markedAt = performance.now();
        await markStable(server, record.id);
        await withLogs(agent, waitFor("1.1.0 health", () => agent.healthyAt("1.1.0"), 60_000));
        const seconds = ((performance.now() - markedAt) / 1000).toFixed(1);
        console.log(`update by polling: ${seconds} s from marking stable to healthy 1.1.0`);
        const log = await agent.agentLog();
        assert.doesNotMatch(log, /New-version notice/);
        assert.match(log, /Update available/);
      });

      await t.step("the install and the server say 1.1.0, with no errors", async () => {
        assert.equal((await agent.config()).current_version, "1.1.0");
        assert.equal(await agent.cliVersion(), "1.1.0");
        await waitForComputer(
          server,
          agent.computerId,
          "on 1.1.0",
          (c) => c.agent_version === "1.1.0",
        );
        assert.deepEqual(await getComputerErrors(server, agent.computerId), []);
      });
    } finally {
      await e2e.close();
    }
  },
});
