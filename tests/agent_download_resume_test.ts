/**
 * Starts a real server, a loopback proxy that cuts the first package download
 * half-way, and a real `agent run` (polling, no WebSocket) pointed at the
 * proxy. The agent must resume with Range and end with the exact package.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { markStable, startServer, uploadPackage } from "./helpers/server_process.ts";
import {
  enrolledInstallDir,
  readAgentLog,
  startAgent,
  startProxy,
  stubPackage,
} from "./agent_harness.ts";

Deno.test({
  name: "agent resumes a download cut half-way by the server and verifies the exact SHA-256",
  ignore: Deno.build.os === "windows",
  async fn() {
    const server = await startServer();
    const work = await Deno.makeTempDir({ prefix: "hangar-resume-" });
    const made = await stubPackage("1.1.0", join(work, "p.zip"), 2_000_000);
    const half = Math.floor(made.size / 2);
    const proxy = startProxy(server.url, { cutFirstAfter: half });
    const { dir } = await enrolledInstallDir(server, { server_url: proxy.url, ws_enabled: false });
    let agent;
    try {
      const record = await uploadPackage(server, join(work, "p.zip"), "1.1.0");
      await markStable(server, record.id);

      agent = startAgent(dir);
      const status = await agent.child.status;
      assert.equal(status.code, 0, agent.output());

      assert.equal(proxy.ranges.length, 2, `package requests: ${JSON.stringify(proxy.ranges)}`);
      assert.equal(proxy.ranges[0], null);
      const resumedFrom = Number(/^bytes=(\d+)-$/.exec(proxy.ranges[1] ?? "")?.[1]);
      assert.ok(resumedFrom > 0 && resumedFrom <= half, `resumed from ${resumedFrom}`);

      const downloaded = await Deno.readFile(join(dir, "_update", "package-1.1.0.zip"));
      assert.equal(createHash("sha256").update(downloaded).digest("hex"), made.sha256);
      const log = readAgentLog(dir);
      assert.match(log, /Download interrupted; will resume/);
      assert.match(log, new RegExp(`Resuming download .*"from_byte":${resumedFrom}`));
      assert.match(log, /Update step 5\/5: launching the updater/);
    } finally {
      await agent?.stop();
      await proxy.close();
      await server.stop();
      await Deno.remove(work, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  },
});
