/**
 * Child process of agent_error_buffer_test.ts: buffers `count` error reports
 * in the agent's own error buffer (sending through its HttpClient) while the
 * server is down, then exits at once — no flush, no clean stop.
 *   deno run -A tests/agent_buffer_fixture.ts <install-dir> <count>
 */
import { ConfigFile } from "../agent/config.ts";
import { Logger } from "../agent/log.ts";
import { HttpClient } from "../agent/net/http_client.ts";
import { Outbox } from "../agent/outbox.ts";
import { agentPaths } from "../agent/paths.ts";
import { VERSION } from "../agent/version.ts";

const [installDir, count] = Deno.args;
const paths = agentPaths(installDir);
const config = await ConfigFile.load(installDir);
const log = new Logger({ dir: paths.logDir });
const http = new HttpClient({
  serverUrl: config.get("server_url"),
  agentId: config.get("agent_id"),
  agentToken: config.get("agent_token"),
  log,
});
const outbox = await Outbox.open({
  path: paths.outbox,
  log,
  agentVersion: VERSION,
  maxReports: 1000,
  retryMaxMs: 1000,
  send: (report, signal) => http.sendErrorReport(report, signal),
});
for (let i = 0; i < Number(count); i++) {
  await outbox.add({
    error_type: "BufferTest",
    message: `report ${i}`,
    timestamp: new Date().toISOString(),
    agent_version: VERSION,
    details: { index: i },
  });
}
Deno.exit(0);
