/**
 * The config holds the agent's token: only the account the agent runs as
 * (and administrators) may read it. POSIX: the folder 0700 and the file 0600
 * (atomic writes create it so). Windows: the folder's inherited ACL (often
 * readable by Users under a custom folder) is replaced by full control for
 * SYSTEM and Administrators only, with `icacls`.
 */
import { runCommand } from "../../host/supervisor.ts";
import { lockDownCommand, type WindowsCommand } from "./windows.ts";

/** The mode every write of config.json uses. */
export const CONFIG_FILE_MODE = 0o600;
const CONFIG_DIR_MODE = 0o700;

/**
 * The data folder an install puts outside the program (package/data_dir.ts):
 * POSIX 0700; Windows the same ACL as the config, for the whole tree, since
 * `%ProgramData%` lets Users read and create. Through `run` so tests see the command.
 */
export async function protectDataDir(
  dir: string,
  platform: string,
  run: (command: WindowsCommand) => Promise<{ code: number; output: string }>,
): Promise<void> {
  if (platform !== "windows") {
    await Deno.chmod(dir, CONFIG_DIR_MODE);
    return;
  }
  const { code, output } = await run(lockDownCommand(dir, true));
  if (code !== 0) throw new Error(`Cannot restrict access to ${dir}: icacls said ${output.trim()}`);
}

/** Locks the config folder down; throws with icacls' output when that fails. */
export async function protectConfigDir(dir: string): Promise<void> {
  if (Deno.build.os !== "windows") {
    await Deno.chmod(dir, CONFIG_DIR_MODE);
    return;
  }
  const { code, output } = await runCommand(lockDownCommand(dir, true));
  if (code !== 0) throw new Error(`Cannot restrict access to ${dir}: icacls said ${output.trim()}`);
}
