/**
 * Who starts the agent: the contract between the agent and the updater.
 * The supervisor running the agent is named by HANGAR_SUPERVISOR, which the
 * systemd unit and `agent supervise` set for the agent, and which the updater
 * inherits:
 *   detached   no supervisor: the portable and development case; the updater
 *              starts the agent as a detached process
 *   systemd    a systemd unit with Restart=always; the updater stops and
 *              starts the unit
 *   supervise  `agent supervise` (what the Windows scheduled task runs): a
 *              small process that restarts the agent when it exits; the
 *              updater holds it while the files change
 * `agent supervise` and the updater agree through two files, both under the
 * data folder's `config/` (package/data_dir.ts; updates never move it):
 *   config/supervisor.json   written by the supervisor: its PID and the PID
 *                            of the agent it runs now (0 while none runs)
 *   config/supervisor_hold   written by the updater: do not start the agent;
 *                            removed to have the supervisor start it again
 * How the updater drives each supervisor is its own (updater/supervisor/).
 */
import { join } from "node:path";
import { dataDirOf } from "../package/data_dir.ts";
import { CONFIG_DIR } from "../package/layout.ts";
import { isPidAlive } from "./process.ts";

export const SUPERVISOR_KINDS = ["detached", "systemd", "supervise"] as const;
export type SupervisorKind = (typeof SUPERVISOR_KINDS)[number];

/** The environment variable that names the supervisor running the agent. */
export const SUPERVISOR_ENV = "HANGAR_SUPERVISOR";
/** The systemd unit, when HANGAR_SUPERVISOR=systemd; default hangar-agent.service. */
export const SYSTEMD_UNIT_ENV = "HANGAR_SYSTEMD_UNIT";
export const DEFAULT_SYSTEMD_UNIT = "hangar-agent.service";

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
