/**
 * End to end, real processes only: a server (own temp data dir) and a real
 * portable agent 1.0.0 updating to 1.1.0. The server is stopped the moment
 * the updater swaps the files in, so the new agent's whole health window
 * passes without a server. The update must complete (no rollback: being up
 * is health; the updater sees the server is down for everyone), and once the
 * server is back the new agent reports 1.1.0 with no error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { setUpE2E, waitForComputer, withLogs } from "./helpers/e2e_setup.ts";
import { getComputerErrors, markStable, uploadPackage, waitFor } from "./helpers/server_process.ts";

Deno.test({
  name: "e2e: a server outage during the new agent's health window does not roll the update back",
  // The portable launchers under test are POSIX shell scripts.
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const e2e = await setUpE2E({
      prefix: "outage",
      versions: ["1.0.0", "1.1.0"],
      config: { retry_max_s: 1, ws_reconnect_max_s: 1 },
    });
    const { agent, server } = e2e;
    const updaterLog = () =>
      Deno.readTextFile(join(agent.dir, "logs", "updater.log")).catch(() => "");
    try {
      await t.step("the update completes while the server is down", async () => {
        const record = await uploadPackage(server, e2e.packages["1.1.0"].zipPath, "1.1.0");
        await markStable(server, record.id);
        // The moment the files are swapped, the server goes away until the update is over.
        const journal = join(agent.dir, "_update_journal.json");
        const deadline = Date.now() + 60_000;
        while (
          !/"step":\s*"(4-swap|5-launch)"/.test(await Deno.readTextFile(journal).catch(() => ""))
        ) {
          if (Date.now() > deadline) throw new Error(`No swap within 60 s\n${await agent.logs()}`);
          await new Promise((r) => setTimeout(r, 10));
        }
        await server.restart(async () => {
          await withLogs(
            agent,
            waitFor("the updater's verdict", async () => {
              const log = await updaterLog();
              return /Update 1\.0\.0 -> 1\.1\.0 complete|Rollback 1\/6/.test(log) || undefined;
            }, 120_000),
          );
        });
        const log = await updaterLog();
        assert.doesNotMatch(log, /Rollback/, log);
        assert.match(log, /cannot be reached from here .*the new agent is kept/);
        assert.ok(await agent.healthyAt("1.1.0"), "1.1.0 runs");
        assert.equal(await agent.exists("update_result.json"), false, "no failure recorded");
      });

      await t.step("once the server is back, it hears of 1.1.0 and no error", async () => {
        await waitForComputer(
          server,
          agent.computerId,
          "on 1.1.0",
          (c) => c.agent_version === "1.1.0",
        );
        assert.deepEqual(await getComputerErrors(server, agent.computerId), []);
        const health = await agent.health() as { server_reached_at?: string } | null;
        assert.ok(health?.server_reached_at, "the health file records the server contact");
      });
    } finally {
      await e2e.close();
    }
  },
});
