/**
 * File operations that survive Windows realities: antivirus scanners and slow
 * handle release make a rename or delete fail for a moment, so each risky
 * operation is retried a bounded number of times with backoff, then fails with
 * a message a user can act on.
 */
import { dirname, isAbsolute, relative, resolve } from "node:path";

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  /** Delay before the second attempt; it doubles after each failure, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told about each failed attempt that will be retried. */
  onRetry?: (message: string) => void;
}

/**
 * About 20 s in all (0.1, 0.2, 0.4, 0.8, 1.6 s, then 3 s each): an antivirus
 * scan of a freshly written 80 MB executable can hold it for several seconds.
 */
const DEFAULT_ATTEMPTS = 12;
const DEFAULT_BASE_DELAY_MS = 100;
const DEFAULT_MAX_DELAY_MS = 3000;

/**
 * Runs `operation` until it succeeds or `attempts` run out. A missing file is
 * not a transient condition, so `NotFound` fails at once.
 */
export async function withRetry<T>(
  label: string,
  operation: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  let delay = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelay = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const started = Date.now();
  for (let attempt = 1;; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      if (attempt >= attempts) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        throw new Error(
          `Cannot ${label} after ${attempts} attempts: ${reason}. Another program (often an ` +
            `antivirus scanner) may be holding the file open: Windows Defender (MsMpEng.exe) ` +
            `scans a freshly written executable, and backup or indexing tools read new files. ` +
            `Tried for ${seconds} s; close that program or exclude the install folder from ` +
            `scanning (docs/agent.md), and run the update again`,
          { cause: err },
        );
      }
      options.onRetry?.(`${label} failed (attempt ${attempt}/${attempts}): ${reason}; retrying`);
      await new Promise((done) => setTimeout(done, delay));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}

/** Moves a file by renaming it (same volume), creating the target's folder first. */
export async function moveFile(from: string, to: string, options?: RetryOptions): Promise<void> {
  await Deno.mkdir(dirname(to), { recursive: true });
  await withRetry(`move ${from} to ${to}`, () => Deno.rename(from, to), options);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** True when `path` is `dir` itself or lies inside it. */
function isInside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The running executable's path, or null where it cannot be read. */
function runningExecutable(): string | null {
  try {
    return Deno.execPath();
  } catch {
    return null;
  }
}

/**
 * Removes a file or folder tree; a missing one is fine. A tree that holds the
 * running executable is refused at once: Windows cannot delete a running
 * image, and retrying would only delay the update.
 */
export async function removePath(path: string, options?: RetryOptions): Promise<void> {
  const exe = runningExecutable();
  if (exe !== null && isInside(path, exe)) {
    throw new Error(`Cannot remove ${path}: it holds the running executable ${exe}`);
  }
  try {
    await withRetry(`remove ${path}`, () => Deno.remove(path, { recursive: true }), options);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/** Makes a rename inside `dir` durable (POSIX needs the folder itself synced). */
async function syncDir(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Some filesystems refuse to sync a folder; the rename itself still happened.
  }
}

/** Writes `text` to `path` so a reader (or a power cut) sees the old or the new file, never half. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp`;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true });
  try {
    await writeAll(file, new TextEncoder().encode(text));
    await file.sync();
  } finally {
    file.close();
  }
  await withRetry(`replace ${path}`, () => Deno.rename(temp, path));
  await syncDir(dirname(path));
}

/** Writes every byte of `data` (a single write may be partial). */
export async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await file.write(data.subarray(written));
}
