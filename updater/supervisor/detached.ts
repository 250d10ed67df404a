/** No supervisor: the updater starts the agent as a detached process and stops it by PID. */
import { startInstalledAgent, stopAgent } from "../launch.ts";
import type { AgentSupervisor } from "./supervisor.ts";

export function detachedSupervisor(installDir: string): AgentSupervisor {
  return {
    kind: "detached",
    hold: () => Promise.resolve(),
    start: () => startInstalledAgent(installDir),
    stop: (agent) => stopAgent(installDir, agent),
    release: () => Promise.resolve(),
  };
}
