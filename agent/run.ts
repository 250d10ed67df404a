/**
 * `agent run`: finish an interrupted update, take the install dir's lock,
 * load the config, open the log, start the agent, and shut down gracefully on
 * SIGINT/SIGTERM. Returns an exit code when start-up fails, null once running.
 */
import { recoverInterruptedUpdate } from "../updater/mod.ts";
import { VERSION } from "./version.ts";
import { startInstalledAgentIfOther } from "./installed_agent.ts";
import { Agent } from "./core/agent.ts";
import { ConfigError, ConfigManager } from "./config.ts";
import { LockHeldError, LockManager, type StaleLock } from "./lock.ts";
import { Logger } from "./log.ts";
import { agentPaths } from "./paths.ts";

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

  const lock = new LockManager(paths.lock);
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

  let config: ConfigManager;
  try {
    config = await ConfigManager.load(installDir);
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

  const agent = new Agent({ paths, config, log, lock });
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
