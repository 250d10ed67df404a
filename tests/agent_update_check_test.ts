/**
 * Starts a real server and real `agent run` processes. The agent saves its
 * VERSION as the configured version, checks for
 * an update (204), writes its health file, refuses a second agent in its
 * install dir, then — told over the WebSocket of a new stable version —
 * checks again (200), downloads, verifies, extracts and launches the updater
 * from the new package with the four arguments, and exits 0.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigFile } from "../agent/config.ts";
import { VERSION } from "../agent/version.ts";
import { markStable, startServer, uploadPackage, waitFor } from "./helpers/server_process.ts";
import {
  enrolledInstallDir,
  readAgentLog,
  runAgentCli,
  startAgent,
  stubPackage,
  waitForLog,
} from "./agent_harness.ts";

Deno.test({
  name: "agent checks for updates (204, then 200 after a notice) and hands over to the updater",
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const server = await startServer();
    // As after an update: the config still names the version that ran before.
    const { dir } = await enrolledInstallDir(server, { current_version: "0.9.0" });
    const agent = startAgent(dir);
    try {
      await t.step("--version prints VERSION", async () => {
        const result = await runAgentCli(["--version"]);
        assert.equal(result.stdout.trim(), VERSION);
      });

      await t.step("start-up saves VERSION as the configured version", async () => {
        await waitForLog(
          dir,
          new RegExp(`Updating configured version from 0\\.9\\.0 to ${VERSION}`),
        );
        // The line is logged just before the save: wait for the file to follow.
        await waitFor("the saved version", async () => {
          const saved = (await ConfigFile.load(dir)).get("current_version");
          return saved === VERSION ? saved : undefined;
        });
      });

      await t.step("204: no update, and the health file appears", async () => {
        await waitForLog(dir, /No update available/);
        const health = JSON.parse(await Deno.readTextFile(join(dir, "agent_health.json")));
        assert.equal(health.version, VERSION);
        assert.equal(health.pid, agent.child.pid);
        assert.ok(Date.now() - Date.parse(health.time) < 60_000);
        await waitForLog(dir, /WebSocket connected/);
      });

      await t.step("a second agent in the same dir exits with a clear message", async () => {
        const second = await runAgentCli(["run", "--install-dir", dir]);
        assert.equal(second.code, 3);
        assert.match(second.stderr, new RegExp(`Another agent \\(PID ${agent.child.pid},`));
      });

      await t.step("200 after a notice: download, verify, extract, launch, exit 0", async () => {
        const zip = join(dir, "..", `${crypto.randomUUID()}.zip`);
        const made = await stubPackage("1.1.0", zip, 200_000);
        const record = await uploadPackage(server, zip, "1.1.0");
        await Deno.remove(zip);
        assert.equal(record.checksum_sha256, made.sha256);
        await markStable(server, record.id);

        const status = await agent.child.status;
        assert.equal(status.code, 0);
        const log = readAgentLog(dir);
        assert.match(log, /New-version notice received/);
        const states = [...log.matchAll(/State (\w+) -> (\w+)/g)].map((m) => m[2]);
        assert.deepEqual(states, [
          "IDLE",
          "UPDATING_STARTING",
          "UPDATING_DOWNLOADING",
          "UPDATING_VERIFYING",
          "UPDATING_EXTRACTING_UPDATER",
          "UPDATING_PREPARING_SHUTDOWN",
          "SHUTTING_DOWN",
          "STOPPED",
        ]);
        await assert.rejects(() => Deno.stat(join(dir, "agent.lock")), Deno.errors.NotFound);

        const argsFile = join(dir, "_update", "updater", "args.txt");
        const args = await waitForFile(argsFile);
        assert.deepEqual(args.trim().split("\n"), [
          "--package-path",
          join(dir, "_update", "package-1.1.0.zip"),
          "--install-dir",
          dir,
          "--pid-to-wait",
          String(agent.child.pid),
          "--log-dir",
          join(dir, "logs"),
        ]);
      });
    } finally {
      await agent.stop();
      await server.stop();
      // The stub updater lingers 3 s and writes nothing more.
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function waitForFile(path: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (true) {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
