/**
 * Whole-file writes that a crash cannot tear: the data goes to a temp file in
 * the same folder, is flushed to disk, and replaces the target with one rename.
 * A reader therefore sees the old file or the new one, never half of either.
 */
import { basename, dirname, join } from "node:path";
import { withRetry } from "../host/fs_retry.ts";

export interface AtomicWriteOptions {
  /** POSIX permissions of the new file (e.g. 0o600 for secrets); ignored on Windows. */
  mode?: number;
}

/**
 * Writes `text` to `path` atomically (temp file + fsync + rename). The rename
 * is retried for a while: on Windows an antivirus scanner or an indexer may
 * hold the target open for a moment.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true, mode: options.mode });
    try {
      const data = new TextEncoder().encode(text);
      let written = 0;
      while (written < data.length) written += await file.write(data.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    // The mode given at creation is narrowed by the umask, never widened: set it exactly.
    if (options.mode !== undefined && Deno.build.os !== "windows") {
      await Deno.chmod(tmp, options.mode);
    }
    await withRetry(`replace ${path}`, () => Deno.rename(tmp, path));
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** Writes `value` as pretty JSON to `path` atomically. */
export function writeJsonAtomic(
  path: string,
  value: unknown,
  options?: AtomicWriteOptions,
): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n", options);
}

/** Reads a file as text, or returns null when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
