/**
 * Which files are the old agent's and which the new one's, and the moves
 * between the install dir, the backup and the staging folder. Every move is a
 * rename, and each function can be run again after a crash: the state on disk
 * (is the file in the backup? still in staging?) says what is left to do.
 */
import { exists, moveFile, removePath, type RetryOptions } from "../host/fs_retry.ts";
import {
  isExcludedPath,
  isSafeEntryPath,
  type Manifest,
  MANIFEST_NAME,
  SIGNATURE_NAME,
} from "../package/mod.ts";
import { type InstallPaths, nativePath } from "./paths.ts";
import { loggedRetries, type UpdateContext } from "./context.ts";
import { dieIfRequested } from "./fault.ts";

/** The staged package's files, with `manifest.json` and its signature moved into place last. */
export async function listNewFiles(manifest: Manifest, stagingDir: string): Promise<string[]> {
  const files = manifest.files.map((f) => f.path);
  if (await exists(nativePath(stagingDir, SIGNATURE_NAME))) files.push(SIGNATURE_NAME);
  files.push(MANIFEST_NAME);
  return files;
}

/**
 * The installed agent's files that exist now: those the installed manifest
 * lists (with the manifest itself), or, without a manifest, every file outside
 * the agent's data. Any file the new package would overwrite is included, so
 * the swap never destroys something the backup does not hold.
 */
export async function listOldFiles(
  installDir: string,
  installed: Manifest | null,
  newFiles: string[],
): Promise<string[]> {
  const candidates = new Set<string>(newFiles);
  if (installed) {
    for (const f of installed.files) candidates.add(f.path);
    candidates.add(MANIFEST_NAME);
    candidates.add(SIGNATURE_NAME);
  } else {
    for (const path of await walkFiles(installDir, "")) candidates.add(path);
  }
  const present: string[] = [];
  for (const path of candidates) {
    if (
      isSafeEntryPath(path) && !isExcludedPath(path) && await exists(nativePath(installDir, path))
    ) {
      present.push(path);
    }
  }
  return present.sort();
}

async function walkFiles(root: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(prefix === "" ? root : nativePath(root, prefix))) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (isExcludedPath(rel)) continue;
    // Symlinks are moved as links, never followed.
    if (entry.isDirectory && !entry.isSymlink) found.push(...await walkFiles(root, rel));
    else found.push(rel);
  }
  return found;
}

/** Step 3: moves the old files into the backup. */
export async function backupOldFiles(
  paths: InstallPaths,
  oldFiles: string[],
  afterFirstMove: () => void,
  retry?: RetryOptions,
): Promise<void> {
  await moveEach(oldFiles, paths.install, paths.backup, afterFirstMove, retry);
  await pruneEmptyDirs(paths.install, oldFiles);
}

/** Step 4: moves the new files from staging into place. */
export async function swapInNewFiles(
  paths: InstallPaths,
  newFiles: string[],
  afterFirstMove: () => void,
  retry?: RetryOptions,
): Promise<void> {
  await moveEach(newFiles, paths.staging, paths.install, afterFirstMove, retry);
}

/** True when every new file has left staging and sits in the install dir. */
export async function allNewInPlace(paths: InstallPaths, newFiles: string[]): Promise<boolean> {
  for (const p of newFiles) {
    if (await exists(nativePath(paths.staging, p))) return false;
    if (!await exists(nativePath(paths.install, p))) return false;
  }
  return true;
}

/**
 * Rollback 2: moves the new files out of the install dir (back into staging,
 * which is dropped later; a rename works even on a running executable where a
 * delete would not). An install copy is new when the old one is in the backup
 * or when the old agent never had that file; otherwise it is the old file,
 * not yet backed up, and stays.
 */
export async function removeNewFiles(
  paths: InstallPaths,
  oldFiles: string[],
  newFiles: string[],
  afterFirstMove: () => void,
  retry?: RetryOptions,
): Promise<void> {
  const old = new Set(oldFiles);
  const toRemove: string[] = [];
  for (const p of newFiles) {
    if (!await exists(nativePath(paths.install, p))) continue;
    if (!old.has(p) || await exists(nativePath(paths.backup, p))) toRemove.push(p);
  }
  await moveEach(toRemove, paths.install, paths.staging, afterFirstMove, retry);
  await pruneEmptyDirs(paths.install, toRemove);
}

/** Rollback 3: moves every backed-up file back into the install dir. */
export async function restoreBackup(
  paths: InstallPaths,
  oldFiles: string[],
  afterFirstMove: () => void,
  retry?: RetryOptions,
): Promise<void> {
  const backedUp: string[] = [];
  for (const p of oldFiles) if (await exists(nativePath(paths.backup, p))) backedUp.push(p);
  await moveEach(backedUp, paths.backup, paths.install, afterFirstMove, retry);
}

/** Files still waiting in `from` are moved; ones already moved are skipped. */
async function moveEach(
  files: string[],
  fromDir: string,
  toDir: string,
  afterFirstMove: () => void,
  retry?: RetryOptions,
): Promise<void> {
  let moved = 0;
  for (const p of files) {
    const from = nativePath(fromDir, p);
    if (!await exists(from)) continue;
    await moveFile(from, nativePath(toDir, p), retry);
    if (++moved === 1) afterFirstMove();
  }
}

/** Removes folders left empty by moving `relPaths` out of `root` (never `root` itself). */
async function pruneEmptyDirs(root: string, relPaths: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const p of relPaths) {
    const parts = p.split("/").slice(0, -1);
    for (let i = parts.length; i > 0; i--) dirs.add(parts.slice(0, i).join("/"));
  }
  const deepestFirst = [...dirs].sort((a, b) => b.split("/").length - a.split("/").length);
  for (const dir of deepestFirst) {
    // Not recursive: a folder that still holds anything stays.
    await Deno.remove(nativePath(root, dir)).catch(() => {});
  }
}

/** Drops the backup and staging folders; a failure is only worth a warning once the install is whole. */
export async function dropWorkDirs(
  paths: InstallPaths,
  warn: (message: string) => void,
): Promise<void> {
  for (const dir of [paths.backup, paths.staging]) {
    try {
      await removePath(dir);
    } catch (err) {
      warn(`Could not remove ${dir} (the next update removes it): ${(err as Error).message}`);
    }
  }
}

/** Rollback steps 2 and 3; also what recovery runs for an interrupted update. */
export async function restoreFiles(ctx: UpdateContext): Promise<void> {
  const { log, paths, journal } = ctx;
  const mid = () => dieIfRequested("rollback.mid");
  await log.step(
    "Rollback 2/6 remove new files",
    `${journal.new_files.length} files from ${paths.install}`,
    () => removeNewFiles(paths, journal.old_files, journal.new_files, mid, loggedRetries(ctx)),
  );
  await log.step(
    "Rollback 3/6 restore backup",
    `${paths.backup} -> ${paths.install}`,
    () => restoreBackup(paths, journal.old_files, mid, loggedRetries(ctx)),
  );
}
