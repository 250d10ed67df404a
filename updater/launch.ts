/**
 * Starting an installed agent and waiting for its health file
 * (`agent_health.json`: version and PID, written once it is up).
 */
import { join } from "node:path";
import { dataDirOf, HEALTH_NAME, launcherPath, readInstalledManifest } from "../package/mod.ts";
import { nativePath } from "./paths.ts";
import { isPidAlive, sleep, spawnAgent, stopProcess } from "../host/process.ts";

/** An agent process the updater watches. */
export interface WatchedAgent {
  pid: number;
  isRunning(): boolean;
  /** How it ended, for the log and the result file. */
  exitDescription(): string;
}

/** The agent could not be started or did not confirm its health. */
export class LaunchError extends Error {
  override name = "LaunchError";
}

/** `agent_health.json`: written once the agent runs; `server_reached_at` once it reached the server. */
export interface Health {
  version: string;
  pid: number;
  server_reached_at?: string;
}

export async function readHealth(installDir: string): Promise<Health | null> {
  try {
    const health = JSON.parse(await Deno.readTextFile(join(dataDirOf(installDir), HEALTH_NAME)));
    if (typeof health?.version === "string" && Number.isInteger(health?.pid)) return health;
  } catch {
    // Missing or half-written: not confirmed yet.
  }
  return null;
}

/**
 * Starts the agent the installed manifest names (its `.cmd` launcher for a
 * portable package on Windows), after deleting any health file a previous
 * agent left, so only the new process can confirm.
 */
export async function startInstalledAgent(installDir: string): Promise<WatchedAgent> {
  const manifest = await readInstalledManifest(installDir);
  if (!manifest) throw new LaunchError(`No readable manifest.json in ${installDir}`);
  const file = nativePath(installDir, launcherPath(manifest, manifest.agent));
  await Deno.remove(join(dataDirOf(installDir), HEALTH_NAME)).catch(() => {});
  let child: Deno.ChildProcess;
  try {
    child = spawnAgent(file, installDir);
  } catch (err) {
    throw new LaunchError(`Cannot start ${file}: ${(err as Error).message}`);
  }
  let status: Deno.CommandStatus | null = null;
  child.status.then((s) => status = s);
  return {
    pid: child.pid,
    isRunning: () => status === null,
    exitDescription: () =>
      status === null
        ? "still running"
        : status.signal
        ? `killed by ${status.signal}`
        : `exited with code ${status.code}`,
  };
}

/** Watches an agent started by an earlier, interrupted updater. */
export function adoptAgent(pid: number): WatchedAgent {
  return { pid, isRunning: () => isPidAlive(pid), exitDescription: () => "exited" };
}

/**
 * Waits until the health file shows `version` and a live PID. Returns that PID,
 * or throws LaunchError when the agent exits first or `timeoutMs` passes.
 */
export async function waitForHealth(
  installDir: string,
  version: string | null,
  timeoutMs: number,
  agent: WatchedAgent,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await readHealth(installDir);
    if (health && (version === null || health.version === version) && isPidAlive(health.pid)) {
      return health.pid;
    }
    if (!agent.isRunning()) {
      throw new LaunchError(
        `Agent (pid ${agent.pid}) ${agent.exitDescription()} before confirming health`,
      );
    }
    if (Date.now() >= deadline) {
      throw new LaunchError(
        `Agent (pid ${agent.pid}) did not confirm health as version ${version} within ${
          timeoutMs / 1000
        } s`,
      );
    }
    await sleep(100);
  }
}

/** Stops an agent, and the process its health file names when that differs (a launcher's child). */
export async function stopAgent(installDir: string, agent: WatchedAgent): Promise<void> {
  await stopProcess(agent.pid);
  const health = await readHealth(installDir);
  if (health && health.pid !== agent.pid && health.pid !== Deno.pid) await stopProcess(health.pid);
}
