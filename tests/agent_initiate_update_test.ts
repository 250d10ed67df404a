/**
 * Starts a real server and runs an Agent in this process (its exit replaced by
 * a recorder) to drive `initiateUpdate` directly: a second trigger during an
 * update is ignored, a notice of a version that is not newer is ignored, and
 * an updater that dies at once is UpdateLaunchFailed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { UpdateInfo } from "../protocol/mod.ts";
import { AgentState } from "../agent/core/agent_state.ts";
import { ConfigFile } from "../agent/config.ts";
import { AgentLock } from "../agent/lock.ts";
import { Logger } from "../agent/log.ts";
import { agentPaths } from "../agent/paths.ts";
import { buildAgent } from "../agent/run.ts";
import { makePackage } from "./helpers/make_package.ts";
import {
  getComputerErrors,
  listComputers,
  registerAgent,
  startServer,
  type TestServer,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";
import { readAgentLog, stubPackage } from "./agent_harness.ts";

async function startInProcessAgent(server: TestServer, dir: string) {
  const credentials = await registerAgent(server);
  const config = await ConfigFile.create(dir, {
    server_url: server.url,
    ...credentials,
    current_version: "1.0.0",
    ws_enabled: false,
  });
  const paths = agentPaths(dir);
  const lock = new AgentLock(paths.lock);
  lock.acquire();
  const exits: number[] = [];
  const log = new Logger({ dir: paths.logDir });
  const agent = await buildAgent({ paths, config, log, lock, exit: (code) => exits.push(code) });
  await agent.start();
  return { agent, exits, agentId: credentials.agent_id };
}

async function updateInfo(server: TestServer, zip: string, version: string): Promise<UpdateInfo> {
  const record = await uploadPackage(server, zip, version);
  return {
    version,
    download_url: record.download_url,
    checksum_sha256: record.checksum_sha256,
    file_size: record.file_size,
  };
}

Deno.test({
  name: "agent initiateUpdate ignores a second trigger, an old notice, and reports a failed launch",
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const server = await startServer();
    const dirs: string[] = [];
    const tempDir = async () => {
      dirs.push(await Deno.makeTempDir({ prefix: "hangar-initiate-" }));
      return dirs.at(-1)!;
    };
    try {
      await t.step("a second trigger during an update is ignored and logged", async () => {
        const dir = await tempDir();
        const { agent, exits } = await startInProcessAgent(server, dir);
        const info = await updateInfo(server, await stubZip(dir, "1.1.0"), "1.1.0");
        const first = agent.initiateUpdate(info);
        assert.equal(agent.state, AgentState.UPDATING_STARTING);
        await agent.initiateUpdate(info);
        await first;
        assert.match(
          readAgentLog(dir),
          /Update trigger ignored: agent is busy .*"state":"UPDATING_/,
        );
        assert.equal(agent.state, AgentState.STOPPED);
        assert.deepEqual(exits, [0]);
      });

      await t.step("an updater that exits at once gives UpdateLaunchFailed", async () => {
        const dir = await tempDir();
        const { agent, agentId } = await startInProcessAgent(server, dir);
        await agent.handleNewVersionEvent({ new_stable_version: "1.0.0" });
        assert.match(readAgentLog(dir), /New-version notice ignored: not newer/);
        assert.equal(agent.state, AgentState.IDLE);
        const zip = join(dir, "broken.zip");
        await makePackage({
          version: "1.2.0",
          files: { "agent": "#!/bin/sh\n", "updater": "#!/bin/sh\nexit 7\n" },
        }, zip);
        await agent.initiateUpdate(await updateInfo(server, zip, "1.2.0"));
        assert.equal(agent.state, AgentState.IDLE);
        const computerId = (await listComputers(server)).find((c) => c.agent_id === agentId)!.id;
        const error = await waitFor("UpdateLaunchFailed on the server", async () => {
          const errors = await getComputerErrors(server, computerId);
          return errors.find((e) => e.error_type === "UpdateLaunchFailed");
        });
        assert.equal(error.error_details.exit_code, 7);
        assert.match(String(error.error_details.stack_trace), /UpdateError|launch/i);
        await assert.rejects(
          () => Deno.stat(join(dir, "_update", "updater")),
          Deno.errors.NotFound,
        );
        await agent.gracefulShutdown(0);
      });
    } finally {
      await server.stop();
      for (const dir of dirs) await Deno.remove(dir, { recursive: true });
    }
  },
});

async function stubZip(dir: string, version: string): Promise<string> {
  const zip = join(dir, `stub-${version}.zip`);
  await stubPackage(version, zip);
  return zip;
}
