/**
 * Recovery without a journal: `_update_journal.json` exists but cannot be
 * read (zero bytes, truncated JSON, an unknown format — a disk that lost the
 * last write). Instead of giving up, the install itself is inspected:
 *   1 the install folder holds a complete agent (its manifest and every listed
 *     file with the listed SHA-256): it is kept
 *   2 else the backup and the install together hold the complete old agent
 *     (the backup's manifest, or the install's): it is put back
 *   3 else nothing complete can be assembled: the files stay for a person
 * Either way the unreadable journal is set aside (`.corrupt`), the work
 * folders of a finished recovery are dropped, and `update_result.json` says
 * what was found and done, so the agent reports it at its next start.
 */
import { createHash } from "node:crypto";
import { type Manifest, MANIFEST_NAME, parseManifest, SIGNATURE_NAME } from "../package/mod.ts";
import type { UpdateContext } from "./context.ts";
import { dropWorkDirs, listOldFiles, restoreFiles } from "./file_sets.ts";
import { exists, moveFile } from "../host/fs_retry.ts";
import { journalPath, newJournal } from "./journal.ts";
import type { UpdateLog } from "./log.ts";
import { installPaths, nativePath } from "./paths.ts";
import { writeResult } from "./result.ts";

export type CorruptJournalOutcome = "rolled_forward" | "rolled_back" | "rollback_failed";

async function readManifestAt(dir: string): Promise<Manifest | null> {
  try {
    return parseManifest(await Deno.readFile(nativePath(dir, MANIFEST_NAME)));
  } catch {
    return null;
  }
}

async function sha256Of(path: string): Promise<string | null> {
  try {
    using file = await Deno.open(path, { read: true });
    const hash = createHash("sha256");
    for await (const chunk of file.readable) hash.update(chunk);
    return hash.digest("hex");
  } catch {
    return null;
  }
}

/** True when every file `manifest` lists sits in `dir` with its listed SHA-256. */
async function isComplete(dir: string, manifest: Manifest): Promise<boolean> {
  for (const f of manifest.files) {
    if (await sha256Of(nativePath(dir, f.path)) !== f.sha256) return false;
  }
  return true;
}

/**
 * Inspects the install in `installDir` after `reason` made its journal
 * unreadable, keeps or restores a complete agent, and records the outcome.
 * Starts no process; the caller does (or is the agent).
 */
export async function recoverWithoutJournal(
  installDir: string,
  log: UpdateLog,
  reason: string,
): Promise<CorruptJournalOutcome> {
  const paths = installPaths(installDir);
  log.warn(`The update journal cannot be read (${reason}); inspecting the install instead`);
  const installed = await readManifestAt(paths.install);
  const backedUp = await readManifestAt(paths.backup);
  const ctx: UpdateContext = {
    paths,
    log,
    healthTimeoutMs: 60_000,
    journal: newJournal({
      from_version: backedUp?.version ?? null,
      package_path: "",
      log_dir: "",
      wait_timeout_ms: 60_000,
      health_timeout_ms: 60_000,
    }),
  };
  ctx.journal.to_version = installed?.version ?? null;
  const failure = (found: string) => ({
    failed_step: "journal" as const,
    error_type: "UpdateGeneralFailure" as const,
    message: `The update journal ${journalPath(installDir)} could not be read (${reason}); ` +
      `recovery inspected the install and ${found}`,
  });

  let outcome: CorruptJournalOutcome;
  if (installed && await isComplete(paths.install, installed)) {
    outcome = "rolled_forward";
    await writeResult(
      installDir,
      outcome,
      ctx.journal,
      failure(`kept the complete version ${installed.version} in place`),
    );
  } else {
    // The old agent: its manifest went to the backup in step 3, or is still in place.
    const old = backedUp ?? installed;
    ctx.journal.from_version = old?.version ?? null;
    ctx.journal.old_files = old
      ? [...old.files.map((f) => f.path), MANIFEST_NAME, SIGNATURE_NAME]
      : [];
    ctx.journal.new_files = await listOldFiles(paths.install, null, []);
    if (old) await restoreFiles(ctx);
    if (old && await isComplete(paths.install, old)) {
      outcome = "rolled_back";
      await writeResult(
        installDir,
        outcome,
        ctx.journal,
        failure(`restored the complete version ${old.version} from the backup`),
      );
    } else {
      outcome = "rollback_failed";
      await writeResult(
        installDir,
        outcome,
        ctx.journal,
        failure(
          "found no complete agent, in place or in the backup; the files were left as they are",
        ),
      );
      log.error("No complete agent in the install or the backup: a person must reinstall");
    }
  }
  const journal = journalPath(installDir);
  if (await exists(journal)) await moveFile(journal, `${journal}.corrupt`);
  if (outcome !== "rollback_failed") await dropWorkDirs(paths, (m) => log.warn(m));
  log.info(`Recovery without a journal: ${outcome}`);
  return outcome;
}
