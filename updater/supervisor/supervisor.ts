/**
 * How the updater drives the supervisor that starts the agent (the kinds and
 * their shared files are host/supervisor.ts). The updater's launch, its
 * rollback and recovery all start the agent here, so a supervised agent is
 * never joined by an unsupervised copy, and the supervisor never restarts the
 * old version in the middle of a swap.
 */
import { detachedSupervisor } from "./detached.ts";
import { superviseSupervisor } from "./supervise_control.ts";
import { systemdSupervisor } from "./systemd.ts";
import type { WatchedAgent } from "../launch.ts";
import {
  type CommandRunner,
  DEFAULT_SYSTEMD_UNIT,
  parseSupervisorKind,
  runCommand,
  SUPERVISOR_ENV,
  type SupervisorKind,
  SYSTEMD_UNIT_ENV,
} from "../../host/supervisor.ts";

export interface AgentSupervisor {
  readonly kind: SupervisorKind;
  /**
   * Before the update touches files: from now on the supervisor must not
   * start the agent until `start`. `pidToWait` is the agent that handed over
   * (it exits by itself); any other agent the supervisor started is stopped.
   */
  hold(pidToWait: number): Promise<void>;
  /** Starts the installed agent: the new one in step 5, the old one in a rollback. */
  start(): Promise<WatchedAgent>;
  /** Stops an agent `start` gave (it failed its health check) and keeps it stopped. */
  stop(agent: WatchedAgent): Promise<void>;
  /** The update ends before any change while the old agent still runs: lift the hold. */
  release(): Promise<void>;
}

/** The supervisor of the agent in `installDir`, from the environment this process inherited. */
export function supervisorFor(
  installDir: string,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
  run: CommandRunner = runCommand,
): AgentSupervisor {
  const kind = parseSupervisorKind(env(SUPERVISOR_ENV));
  if (kind === "systemd") {
    return systemdSupervisor(installDir, env(SYSTEMD_UNIT_ENV) || DEFAULT_SYSTEMD_UNIT, run);
  }
  if (kind === "supervise") return superviseSupervisor(installDir);
  return detachedSupervisor(installDir);
}
