/**
 * Who starts the agent. One implementation per supervisor, chosen from how
 * the agent was started (HANGAR_SUPERVISOR, which the systemd unit and
 * `agent supervise` set for the agent, and which the updater inherits):
 *   detached   no supervisor: the portable and development case; the updater
 *              starts the agent as a detached process
 *   systemd    a systemd unit with Restart=always; the updater stops and
 *              starts the unit
 *   supervise  `agent supervise` (what the Windows scheduled task runs): a
 *              small process that restarts the agent when it exits; the
 *              updater holds it while the files change
 * The updater's launch, its rollback and recovery all start the agent here,
 * so a supervised agent is never joined by an unsupervised copy, and the
 * supervisor never restarts the old version in the middle of a swap.
 */
import { detachedSupervisor } from "./detached.ts";
import { superviseSupervisor } from "./supervise_control.ts";
import { systemdSupervisor } from "./systemd.ts";
import type { WatchedAgent } from "../launch.ts";

export const SUPERVISOR_KINDS = ["detached", "systemd", "supervise"] as const;
export type SupervisorKind = (typeof SUPERVISOR_KINDS)[number];

/** The environment variable that names the supervisor running the agent. */
export const SUPERVISOR_ENV = "HANGAR_SUPERVISOR";
/** The systemd unit, when HANGAR_SUPERVISOR=systemd; default hangar-agent.service. */
export const SYSTEMD_UNIT_ENV = "HANGAR_SYSTEMD_UNIT";
export const DEFAULT_SYSTEMD_UNIT = "hangar-agent.service";

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

/** A program and its arguments, for tests to check and `run` to execute. */
export interface SupervisorCommand {
  program: string;
  args: string[];
}

/** Runs a command and returns its exit code and output; injectable for tests. */
export type CommandRunner = (
  command: SupervisorCommand,
) => Promise<{ code: number; output: string }>;

export const runCommand: CommandRunner = async (command) => {
  const out = await new Deno.Command(command.program, {
    args: command.args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
};

export function parseSupervisorKind(value: string | undefined): SupervisorKind {
  if (value === undefined || value === "") return "detached";
  if ((SUPERVISOR_KINDS as readonly string[]).includes(value)) return value as SupervisorKind;
  throw new Error(
    `${SUPERVISOR_ENV} is "${value}"; expected one of ${SUPERVISOR_KINDS.join(", ")}`,
  );
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

/**
 * How the agent starts the updater so it survives the agent's exit and the
 * supervisor's stop: under systemd in a transient unit of its own (a process
 * in the agent's unit would be killed by `systemctl stop`), else as it is.
 */
export function updaterCommand(
  kind: SupervisorKind,
  launcher: string,
  args: string[],
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): SupervisorCommand {
  if (kind !== "systemd") return { program: launcher, args };
  const unit = env(SYSTEMD_UNIT_ENV) || DEFAULT_SYSTEMD_UNIT;
  return {
    program: "systemd-run",
    args: [
      `--unit=hangar-agent-update-${Date.now()}`,
      "--collect",
      "--quiet",
      `--setenv=${SUPERVISOR_ENV}=systemd`,
      `--setenv=${SYSTEMD_UNIT_ENV}=${unit}`,
      "--",
      launcher,
      ...args,
    ],
  };
}
