/**
 * End to end, real processes only: a server (own temp data dir, embedded
 * database) and a running agent installed from a 1.0.0 portable package.
 * 1.1.0 is uploaded, then its stored file is changed on the server's disk
 * (same size, other bytes) before it is marked stable: the agent must refuse
 * it, report UpdateChecksumMismatch with both checksums, and stay 1.0.0.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { setUpE2E, waitForComputer, withLogs } from "./helpers/e2e_setup.ts";
import { getComputerErrors, markStable, uploadPackage, waitFor } from "./helpers/server_process.ts";

Deno.test({
  name: "e2e: a package changed on the server after upload is refused and reported",
  // The portable launchers under test are POSIX shell scripts.
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const e2e = await setUpE2E({ prefix: "tampered", versions: ["1.0.0", "1.1.0"] });
    const { agent, server } = e2e;
    try {
      const record = await uploadPackage(server, e2e.packages["1.1.0"].zipPath, "1.1.0");
      const stored = join(server.dataDir, "packages", "hangar-agent-1.1.0.zip");
      const bytes = await Deno.readFile(stored);
      for (let i = 0; i < 64; i++) bytes[Math.floor(bytes.length / 2) + i] ^= 0xff;
      await Deno.writeFile(stored, bytes);
      const tamperedSha = createHash("sha256").update(bytes).digest("hex");
      assert.notEqual(tamperedSha, record.checksum_sha256);
      await markStable(server, record.id);

      await t.step("UpdateChecksumMismatch reaches the server with both checksums", async () => {
        const error = await withLogs(
          agent,
          waitFor("a checksum error", async () => {
            const errors = await getComputerErrors(server, agent.computerId);
            return errors.find((e) => e.error_type === "UpdateChecksumMismatch");
          }),
        );
        assert.equal(error.error_details.expected_checksum, record.checksum_sha256);
        assert.equal(error.error_details.actual_checksum, tamperedSha);
        assert.match(error.error_message, new RegExp(record.checksum_sha256));
        assert.match(error.error_message, new RegExp(tamperedSha));
        await waitForComputer(server, agent.computerId, "with errors", (c) => c.have_active_errors);
      });

      await t.step("the agent stays 1.0.0, the same process, still running", async () => {
        const health = await agent.healthyAt("1.0.0");
        assert.equal(health?.pid, agent.firstPid);
        assert.equal((await agent.config()).current_version, "1.0.0");
        assert.equal(await agent.cliVersion(), "1.0.0");
        assert.equal(await agent.exists("_update/package-1.1.0.zip"), false, "bad file deleted");
        assert.equal(await agent.exists("_update_journal.json"), false, "no updater ran");
        const computer = await waitForComputer(server, agent.computerId, "listed", () => true);
        assert.equal(computer.agent_version, "1.0.0");
        assert.equal(computer.online, true);
      });
    } finally {
      await e2e.close();
    }
  },
});
