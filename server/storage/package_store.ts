/**
 * Where package files live: uploads stream into `DATA_DIR/packages/.incoming/`
 * and, once checked, are renamed to `DATA_DIR/packages/<file name>`. Lookups
 * take a bare file name and refuse anything that could leave that folder.
 */
import { basename, join, resolve } from "node:path";

/**
 * A temp file unwritten for this long is a left-over of a crashed or killed
 * upload (issue 13, item 16): a live upload writes to it continuously.
 */
export const STALE_TEMP_IDLE_MS = 5 * 60_000;
/** How often a running server sweeps `.incoming`. */
export const TEMP_SWEEP_INTERVAL_MS = 60_000;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export interface TempFile {
  path: string;
  file: Deno.FsFile;
}

export class PackageStore {
  readonly dir: string;
  readonly tempDir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.tempDir = join(this.dir, ".incoming");
  }

  /** Creates the folders and removes temp files a crashed or killed upload left behind. */
  async init(now = Date.now()): Promise<void> {
    await Deno.mkdir(this.tempDir, { recursive: true });
    await this.sweepTemp(now);
  }

  /**
   * Removes temp files nobody has written to for STALE_TEMP_IDLE_MS. Idleness,
   * not existence: another instance sharing DATA_DIR may be uploading right
   * now, and a live upload writes many times a second. Returns how many it removed.
   */
  async sweepTemp(now = Date.now()): Promise<number> {
    let removed = 0;
    for await (const entry of Deno.readDir(this.tempDir)) {
      const path = join(this.tempDir, entry.name);
      const info = await Deno.stat(path).catch(() => null);
      if (info?.isFile && info.mtime && now - info.mtime.getTime() > STALE_TEMP_IDLE_MS) {
        await this.remove(path);
        removed++;
      }
    }
    return removed;
  }

  /** Sweeps the temp folder every `intervalMs` until the returned function is called. */
  startSweeping(intervalMs = TEMP_SWEEP_INTERVAL_MS, onError?: (error: Error) => void): () => void {
    const timer = setInterval(() => {
      this.sweepTemp().catch((error) => onError?.(error));
    }, intervalMs);
    Deno.unrefTimer(timer);
    return () => clearInterval(timer);
  }

  /** Opens a new, empty temp file for an upload. */
  async createTemp(): Promise<TempFile> {
    await Deno.mkdir(this.tempDir, { recursive: true });
    const path = join(this.tempDir, `upload-${crypto.randomUUID()}.part`);
    const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    return { path, file };
  }

  /** The file name a version's package is stored and downloaded under. */
  fileNameFor(version: string): string {
    // Semver allows `+` (build metadata) and never `_`, so this mapping keeps names unique.
    return `hangar-agent-${version.replaceAll("+", "_")}.zip`;
  }

  /**
   * Moves a checked temp file to its final name. The caller holds the version's
   * database row (uniqueness), so a file already there is a crashed upload's and
   * is replaced.
   */
  async promote(tempPath: string, fileName: string): Promise<string> {
    const target = this.pathOf(fileName);
    if (target === null) throw new Error(`Unsafe package file name "${fileName}"`);
    await Deno.rename(tempPath, target);
    return target;
  }

  /** The absolute path of `fileName` inside the folder, or null when the name is not a plain name. */
  pathOf(fileName: string): string | null {
    if (!SAFE_NAME.test(fileName) || fileName.includes("..")) return null;
    const path = join(this.dir, fileName);
    return basename(path) === fileName && resolve(path, "..") === this.dir ? path : null;
  }

  /** Deletes a file; a file already gone is fine. */
  async remove(path: string): Promise<void> {
    await Deno.remove(path).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}
