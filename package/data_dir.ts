/**
 * Where the agent's data lives (package/layout.ts: DATA_NAMES): the folder
 * named by the install folder's DATA_DIR_POINTER, or the install folder
 * itself when there is none (portable and development layouts, and every
 * install made before the pointer existed). The agent, the updater and
 * `agent supervise` all resolve it here, so they agree on one folder.
 */
import { isAbsolute, join } from "node:path";
import { DATA_DIR_POINTER } from "./layout.ts";

export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirError";
  }
}

/** The data folder of `installDir`; throws DataDirError when the pointer is unreadable. */
export function dataDirOf(installDir: string): string {
  const pointer = join(installDir, DATA_DIR_POINTER);
  let text: string;
  try {
    text = Deno.readTextFileSync(pointer);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return installDir;
    throw new DataDirError(`Cannot read ${pointer}: ${(error as Error).message}`);
  }
  let dataDir: unknown;
  try {
    dataDir = (JSON.parse(text) as { data_dir?: unknown })?.data_dir;
  } catch {
    dataDir = undefined;
  }
  if (typeof dataDir !== "string" || !isAbsolute(dataDir)) {
    throw new DataDirError(
      `${pointer} must be {"data_dir": "<absolute path>"}; reinstall with agent install --data-dir`,
    );
  }
  return dataDir;
}

/** The pointer's content for `dataDir` (written by `agent install`). */
export function dataDirPointer(dataDir: string): string {
  return JSON.stringify({ data_dir: dataDir }, null, 2) + "\n";
}
