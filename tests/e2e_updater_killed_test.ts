/**
 * End to end, real processes only: a server (own temp data dir, embedded
 * database) and a running agent installed from a 1.0.0 portable package,
 * whose environment tells the updater to SIGKILL itself half-way through
 * moving the new files in (`HANGAR_UPDATER_DIE_AT_STEP=4-swap.mid`; the agent
 * passes its environment to the updater). The install is left half old, half
 * new, with no process running. `updater --recover` (the updater extracted
 * for the update) must bring back a working 1.0.0 agent, and that install
 * must then update to 1.1.0 normally. The interruption is reported to the server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { setUpE2E, waitForComputer, withLogs } from "./helpers/e2e_setup.ts";
import { getComputerErrors, markStable, uploadPackage, waitFor } from "./helpers/server_process.ts";

Deno.test({
  name: "e2e: an updater killed half-way through the swap is recovered to a working agent",
  // The portable launchers under test are POSIX shell scripts.
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const e2e = await setUpE2E({
      prefix: "killed",
      versions: ["1.0.0", "1.1.0"],
      env: { HANGAR_UPDATER_DIE_AT_STEP: "4-swap.mid" },
      // The interrupted update holds 1.1.0 back (agent.md, "Failed updates are held back"):
      // briefly here, so the last step can show the same version installing normally.
      config: { failed_version_retry_s: 2 },
    });
    const { agent, server } = e2e;
    try {
      const record = await uploadPackage(server, e2e.packages["1.1.0"].zipPath, "1.1.0");

      await t.step("the updater dies mid-swap and leaves its journal", async () => {
        await markStable(server, record.id);
        const journal = await withLogs(
          agent,
          waitFor("a dead updater's journal", async () => {
            if (agent.processes().length > 0) return undefined;
            const text = await Deno.readTextFile(join(agent.dir, "_update_journal.json"))
              .catch(() => null);
            return text === null ? undefined : JSON.parse(text);
          }),
        );
        assert.equal(journal.step, "4-swap");
        assert.equal(journal.to_version, "1.1.0");
        // Half-way: some of the new package's files are in the install dir, not all.
        const files = e2e.packages["1.1.0"].manifest.files.map((f) => f.path);
        const present = [];
        for (const file of files) if (await agent.exists(file)) present.push(file);
        assert.ok(present.length < files.length, `only some new files in place: ${present}`);
        // Pull the release so the recovered agent does not update again at once.
        await markStable(server, record.id, false);
      });

      await t.step("updater --recover rolls back and starts a healthy 1.0.0", async () => {
        const recover = await new Deno.Command(join(agent.dir, "_update", "updater", "updater"), {
          args: ["--recover", "--install-dir", agent.dir],
          env: { HANGAR_DENO: Deno.execPath(), NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
          signal: AbortSignal.timeout(90_000),
        }).output();
        const stdout = new TextDecoder().decode(recover.stdout);
        assert.equal(recover.code, 0, `${stdout}\n${new TextDecoder().decode(recover.stderr)}`);
        assert.equal(stdout.trim(), "rolled_back");
        const health = await withLogs(
          agent,
          waitFor("1.0.0 health", () => agent.healthyAt("1.0.0"), 30_000),
        );
        assert.notEqual(health.pid, agent.firstPid);
        assert.equal(await agent.cliVersion(), "1.0.0");
        assert.equal((await agent.config()).current_version, "1.0.0");
        for (const leftover of ["_update_journal.json", "_backup_old", "_staging_new"]) {
          assert.equal(await agent.exists(leftover), false, leftover);
        }
        await waitForComputer(
          server,
          agent.computerId,
          "online on 1.0.0",
          (c) => c.online && c.agent_version === "1.0.0",
        );
      });

      await t.step("the interrupted update appears in the computer's errors", async () => {
        const error = await waitFor(
          "the interruption report",
          async () =>
            (await getComputerErrors(server, agent.computerId))
              .find((e) => e.error_details.failed_step === "4-swap"),
        );
        assert.equal(error.error_type, "UpdateGeneralFailure");
        assert.equal(error.error_details.outcome, "rolled_back");
        assert.equal(error.error_details.to_version, "1.1.0");
        assert.match(error.error_message, /stopped during step 4-swap/);
      });

      await t.step("the recovered install updates to 1.1.0 normally", async () => {
        await markStable(server, record.id);
        await withLogs(agent, waitFor("1.1.0 health", () => agent.healthyAt("1.1.0"), 60_000));
        assert.equal(await agent.cliVersion(), "1.1.0");
        await waitForComputer(
          server,
          agent.computerId,
          "on 1.1.0",
          (c) => c.agent_version === "1.1.0",
        );
      });
    } finally {
      await e2e.close();
    }
  },
});
