/**
 * Step 5 of an update: start the extracted updater as a detached process that
 * outlives this agent, with the arguments of docs/update-protocol.md.
 */
import { parseSupervisorKind, SUPERVISOR_ENV, updaterCommand } from "../../host/supervisor.ts";
import { UpdateError } from "./update_error.ts";

export interface UpdaterArgs {
  packagePath: string;
  installDir: string;
  pidToWait: number;
  logDir: string;
  /** The agent's trusted public keys; the updater then refuses a package they did not sign. */
  trustedKeys: string[];
}

/** How long a just-started updater is watched: one that dies at once never took over. */
const EARLY_EXIT_WINDOW_MS = 1000;

/** Starts `launcher` detached and returns its PID; throws UpdateLaunchFailed when it cannot. */
export async function launchUpdater(launcher: string, args: UpdaterArgs): Promise<number> {
  const argv = [
    "--package-path",
    args.packagePath,
    "--install-dir",
    args.installDir,
    "--pid-to-wait",
    String(args.pidToWait),
    "--log-dir",
    args.logDir,
    ...(args.trustedKeys.length > 0 ? ["--trusted-keys", args.trustedKeys.join(",")] : []),
  ];
  // Under systemd the updater runs in a unit of its own, so stopping the agent's unit spares it.
  const command = updaterCommand(parseSupervisorKind(Deno.env.get(SUPERVISOR_ENV)), launcher, argv);
  const details = { launcher, args: argv, program: command.program };
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command.program, {
      args: command.args,
      cwd: args.installDir,
      detached: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    throw new UpdateError(
      "UpdateLaunchFailed",
      `Cannot start the updater ${launcher}: ${(error as Error).message}`,
      details,
      { cause: error },
    );
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const early = await Promise.race([
    child.status,
    new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), EARLY_EXIT_WINDOW_MS)),
  ]);
  clearTimeout(timer);
  // Any exit this early means no updater is waiting to install the package.
  if (early) {
    throw new UpdateError(
      "UpdateLaunchFailed",
      `The updater exited at once with code ${early.code}`,
      { ...details, exit_code: early.code },
    );
  }
  child.unref();
  return child.pid;
}
