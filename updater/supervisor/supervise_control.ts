/**
 * The updater's side of `agent supervise`: it holds the supervisor through
 * config/supervisor_hold while the files change, then lifts the hold and
 * waits for config/supervisor.json to show the agent it started (the files
 * are host/supervisor.ts).
 */
import { join } from "node:path";
import { LaunchError, stopAgent, type WatchedAgent } from "../launch.ts";
import { CONFIG_DIR, HEALTH_NAME } from "../../package/layout.ts";
import { dataDirOf } from "../../package/data_dir.ts";
import { isPidAlive, sleep, stopProcess } from "../../host/process.ts";
import { holdPath, readSuperviseState, superviseStatePath } from "../../host/supervisor.ts";
import type { AgentSupervisor } from "./supervisor.ts";

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
