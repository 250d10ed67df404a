/**
 * The files through which the updater and `agent supervise` agree on who
 * runs, both under `config/` (which updates never move):
 *   config/supervisor.json   written by the supervisor: its PID and the PID
 *                            of the agent it runs now (0 while none runs)
 *   config/supervisor_hold   written by the updater: do not start the agent;
 *                            removed to have the supervisor start it again
 */
import { join } from "node:path";
import { LaunchError, stopAgent, type WatchedAgent } from "../launch.ts";
import { CONFIG_DIR, HEALTH_NAME } from "../../package/layout.ts";
import { dataDirOf } from "../../package/data_dir.ts";
import { isPidAlive, sleep, stopProcess } from "../process.ts";
import type { AgentSupervisor } from "./supervisor.ts";

export interface SuperviseState {
  supervisor_pid: number;
  /** The agent running now, 0 when none. */
  agent_pid: number;
  /** Agents started since the supervisor started. */
  starts: number;
}

export function superviseStatePath(installDir: string): string {
  return join(dataDirOf(installDir), CONFIG_DIR, "supervisor.json");
}

export function holdPath(installDir: string): string {
  return join(dataDirOf(installDir), CONFIG_DIR, "supervisor_hold");
}

export async function readSuperviseState(installDir: string): Promise<SuperviseState | null> {
  try {
    const state = JSON.parse(await Deno.readTextFile(superviseStatePath(installDir)));
    return Number.isInteger(state?.supervisor_pid) && Number.isInteger(state?.agent_pid)
      ? state
      : null;
  } catch {
    return null;
  }
}

/**
 * True while a hold is in force: the file exists and the updater that wrote
 * it still runs. An updater that died leaves a journal that the next agent's
 * start finishes, so its hold must not keep the agent down.
 */
export async function isHeld(
  installDir: string,
  isAlive: (pid: number) => boolean = isPidAlive,
): Promise<boolean> {
  try {
    const hold = JSON.parse(await Deno.readTextFile(holdPath(installDir)));
    return Number.isInteger(hold?.by_pid) && isAlive(hold.by_pid);
  } catch (error) {
    // A torn hold counts as one: the updater is writing it right now.
    return !(error instanceof Deno.errors.NotFound);
  }
}

/** How long `start` waits for the supervisor to start the agent (it polls every 200 ms). */
const START_TIMEOUT_MS = 30_000;

export function superviseSupervisor(installDir: string): AgentSupervisor {
  const hold = async (reason: string) => {
    await Deno.mkdir(join(dataDirOf(installDir), CONFIG_DIR), { recursive: true });
    await Deno.writeTextFile(
      holdPath(installDir),
      JSON.stringify({ by_pid: Deno.pid, reason, at: new Date().toISOString() }) + "\n",
    );
  };
  return {
    kind: "supervise",
    hold: async (pidToWait) => {
      await hold("update");
      // An agent the supervisor restarted before the hold was written must not run the old files.
      const state = await readSuperviseState(installDir);
      if (state && state.agent_pid !== 0 && state.agent_pid !== pidToWait) {
        await stopProcess(state.agent_pid);
      }
    },
    start: async () => {
      const before = await readSuperviseState(installDir);
      if (!before || !isPidAlive(before.supervisor_pid)) {
        throw new LaunchError(
          `The agent's supervisor is not running (${superviseStatePath(installDir)}); ` +
            `it starts the agent when it runs again`,
        );
      }
      await Deno.remove(join(dataDirOf(installDir), HEALTH_NAME)).catch(() => {});
      await Deno.remove(holdPath(installDir)).catch(() => {});
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        const state = await readSuperviseState(installDir);
        if (state && state.starts > before.starts && state.agent_pid !== 0) {
          const pid = state.agent_pid;
          return {
            pid,
            isRunning: () => isPidAlive(pid),
            exitDescription: () => "exited (its supervisor restarts it)",
          } satisfies WatchedAgent;
        }
        if (Date.now() >= deadline) {
          throw new LaunchError(`The supervisor did not start the agent within 30 s`);
        }
        await sleep(100);
      }
    },
    stop: async (agent) => {
      await hold("stop");
      await stopAgent(installDir, agent);
      // The supervisor may have restarted it before the hold: that copy goes too.
      const state = await readSuperviseState(installDir);
      if (state && state.agent_pid !== 0) await stopProcess(state.agent_pid);
    },
    release: () => Deno.remove(holdPath(installDir)).catch(() => {}),
  };
}
