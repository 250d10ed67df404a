/**
 * The config holds the agent's token: only the account the agent runs as
 * (and administrators) may read it. POSIX: the folder 0700 and the file 0600
 * (atomic writes create it so). Windows: the folder's inherited ACL (often
 * readable by Users under a custom folder) is replaced by full control for
 * SYSTEM and Administrators only, with `icacls`.
 */
import { runCommand } from "../../updater/supervisor/supervisor.ts";
import { lockDownCommand } from "./windows.ts";

/** The mode every write of config.json uses. */
export const CONFIG_FILE_MODE = 0o600;
const CONFIG_DIR_MODE = 0o700;

/** Locks the config folder down; throws with icacls' output when that fails. */
export async function protectConfigDir(dir: string): Promise<void> {
  if (Deno.build.os !== "windows") {
    await Deno.chmod(dir, CONFIG_DIR_MODE);
    return;
  }
  const { code, output } = await runCommand(lockDownCommand(dir, true));
  if (code !== 0) throw new Error(`Cannot restrict access to ${dir}: icacls said ${output.trim()}`);
}
