/**
 * End to end, real processes only: a server and a real portable agent 1.0.0.
 * Release 1.1.0 has a broken network stack (its agent.js starts with fetch
 * rejecting everything and a WebSocket that never opens): it starts and writes
 * its health file, but never reaches the server, which the updater itself
 * reaches. Health no longer waits for the server, so the updater's own probe
 * is what catches this build: the update fails and rolls back to 1.0.0.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { refreshManifest, zipPackage } from "../tools/release/build_package.ts";
import { setUpE2E, waitForComputer, withLogs } from "./helpers/e2e_setup.ts";
import { getComputerErrors, markStable, uploadPackage, waitFor } from "./helpers/server_process.ts";

const BROKEN_NETWORK = `
globalThis.fetch = () => Promise.reject(new TypeError("this build's network stack is broken"));
globalThis.WebSocket = class extends EventTarget {
  readyState = 0;
  send() {}
  close() {}
};
`;

Deno.test({
  name: "e2e: a release that cannot reach the server the updater reaches is rolled back",
  ignore: Deno.build.os === "windows",
  async fn() {
    const e2e = await setUpE2E({ prefix: "unreachable", versions: ["1.0.0", "1.1.0"] });
    const { agent, server } = e2e;
    try {
      const broken = e2e.packages["1.1.0"];
      const js = join(broken.packageDir, "agent.js");
      await Deno.writeTextFile(js, BROKEN_NETWORK + await Deno.readTextFile(js));
      await refreshManifest(broken.packageDir);
      await zipPackage(broken.packageDir, broken.zipPath);
      const record = await uploadPackage(server, broken.zipPath, "1.1.0", "broken network");
      await markStable(server, record.id);

      // The updater waits the health timeout (60 s) for the agent to reach the server.
      const error = await withLogs(
        agent,
        waitFor("the rollback's error report", async () => {
          const errors = await getComputerErrors(server, agent.computerId);
          return errors.find((e) => e.error_type === "UpdateLaunchFailed");
        }, 180_000),
      );
      assert.match(error.error_message, /did not reach the server .* while the updater reaches it/);
      assert.equal(error.error_details.outcome, "rolled_back");
      const updaterLog = await Deno.readTextFile(join(agent.dir, "logs", "updater.log"));
      assert.match(updaterLog, /New agent 1\.1\.0 confirmed health/, "it did start");
      await waitForComputer(
        server,
        agent.computerId,
        "back on 1.0.0 and online",
        (c) => c.online && c.agent_version === "1.0.0",
      );
      assert.ok(await agent.healthyAt("1.0.0"));
    } finally {
      await e2e.close();
    }
  },
});
