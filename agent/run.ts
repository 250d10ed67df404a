/**
 * `agent run`: finish an interrupted update, take the install dir's lock,
 * load the config, open the log, wire the agent's connections and start it,
 * and shut down gracefully on SIGINT/SIGTERM. Returns an exit code when
 * start-up fails, null once running.
 */
import { recoverInterruptedUpdate } from "../updater/mod.ts";
import { VERSION } from "./version.ts";
import { startInstalledAgentIfOther } from "./installed_agent.ts";
import { Agent, type AgentOptions } from "./core/agent.ts";
import { ConfigError, ConfigFile } from "./config.ts";
import { AgentLock, LockHeldError, type StaleLock } from "./lock.ts";
import { Logger } from "./log.ts";
import { HttpClient } from "./net/http_client.ts";
import { WSClient } from "./net/ws_client.ts";
import { Outbox } from "./outbox.ts";
import { agentPaths } from "./paths.ts";
import { UpdateStatusReporter } from "./update/update_status.ts";

/** What `buildAgent` needs besides the connections it makes. */
export type AgentBase = Omit<AgentOptions, "server" | "errorReports" | "updateStatus" | "notices">;

/**
 * Builds the agent's connections from its config and hands them to a new
 * Agent: the HTTP client, the error buffer and the update-status outbox
 * (each sending through the client), and the WebSocket unless turned off.
 */
export async function buildAgent(base: AgentBase): Promise<Agent> {
  const { config, paths, log } = base;
  const server = new HttpClient({
    serverUrl: config.get("server_url"),
    agentId: config.get("agent_id"),
    agentToken: config.get("agent_token"),
    log,
  });
  const retryMaxMs = config.get("retry_max_s") * 1000;
  const errorReports = await Outbox.open({
    path: paths.outbox,
    log,
    agentVersion: VERSION,
    maxReports: config.get("outbox_max_reports"),
    retryMaxMs,
    send: (report, signal) => server.sendErrorReport(report, signal),
  });
  const updateStatus = await UpdateStatusReporter.open({
    outboxPath: paths.updateStatusOutbox,
    attemptPath: paths.updateStatusAttempt,
    send: (report, signal) => server.sendUpdateStatus(report, signal),
    log,
    retryMaxMs,
  });
  const notices = config.get("ws_enabled")
    ? new WSClient({
      serverUrl: config.get("server_url"),
      headers: server.agentHeaders(),
      log,
      reconnectMaxMs: config.get("ws_reconnect_max_s") * 1000,
    })
    : null;
  return new Agent({ ...base, server, errorReports, updateStatus, notices });
}

export async function runAgent(installDir: string): Promise<number | null> {
  const paths = agentPaths(installDir);
  await Deno.mkdir(paths.logDir, { recursive: true });
  // Before anything else: an updater that died mid-way leaves a journal to finish.
  const recovery = await recoverInterruptedUpdate(installDir, paths.logDir);
  if (recovery !== "none") {
    const started = await startInstalledAgentIfOther(installDir, VERSION);
    if (started !== null) {
      console.error(`Recovery left ${started} installed; started it in place of ${VERSION}`);
      return 0;
    }
  }

  const lock = new AgentLock(paths.lock);
  let takenOver: StaleLock | null;
  try {
    takenOver = lock.acquire();
  } catch (error) {
    console.error(
      error instanceof LockHeldError ? error.message : `Cannot take the lock: ${error}`,
    );
    return error instanceof LockHeldError ? 3 : 1;
  }
  globalThis.addEventListener("unload", () => lock.release());

  let config: ConfigFile;
  try {
    config = await ConfigFile.load(installDir);
  } catch (error) {
    lock.release();
    console.error(error instanceof ConfigError ? error.message : `Cannot load config: ${error}`);
    return 1;
  }

  const log = new Logger({ dir: paths.logDir, maxBytes: config.get("log_max_bytes"), echo: true });
  if (recovery !== "none") log.warn("Finished an interrupted update", { outcome: recovery });
  if (takenOver) {
    log.warn("Took over a stale lock", { pid: takenOver.pid, reason: takenOver.reason });
  }

  let agent: Agent;
  try {
    agent = await buildAgent({ paths, config, log, lock });
  } catch (error) {
    log.error("Agent failed to start", { error: String((error as Error).stack ?? error) });
    log.close();
    lock.release();
    return 1;
  }
  const stop = () => void agent.gracefulShutdown(0);
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  // A bug in one task must not take the agent down: log it and keep serving.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("Unhandled error", { error: String(event.reason?.stack ?? event.reason) });
  });

  try {
    await agent.start();
  } catch (error) {
    log.error("Agent failed to start", { error: String((error as Error).stack ?? error) });
    await agent.gracefulShutdown(1);
  }
  return null;
}
