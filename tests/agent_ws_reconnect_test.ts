/**
 * Starts a real server and a real `agent run`, restarts the server on the same
 * port and data, and checks that the agent reconnects its WebSocket by itself
 * and still receives the next `agent:new_version_available`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { markStable, startServer, uploadPackage } from "./helpers/server_process.ts";
import { enrolledInstallDir, startAgent, stubPackage, waitForLog } from "./agent_harness.ts";

Deno.test({
  name: "agent reconnects its WebSocket after a server restart and still gets the next notice",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "hangar-ws-data-" });
    const server = await startServer({ dataDir });
    const { dir } = await enrolledInstallDir(server);
    const agent = startAgent(dir);
    try {
      await waitForLog(dir, /WebSocket connected .*"reconnect":false/);
      await waitForLog(dir, /No update available/);

      await server.restart();
      await waitForLog(dir, /WebSocket closed/);
      await waitForLog(dir, /WebSocket connected .*"reconnect":true/);

      const zip = join(dataDir, "upload.zip");
      await stubPackage("1.1.0", zip);
      const record = await uploadPackage(server, zip, "1.1.0");
      await markStable(server, record.id);
      await waitForLog(
        dir,
        /New-version notice received \{"notice":"1\.1\.0","running":"1\.0\.0"\}/,
      );
      assert.equal((await agent.child.status).code, 0, "the agent handed over to the updater");
    } finally {
      await agent.stop();
      await server.stop();
      await Deno.remove(dataDir, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  },
});
