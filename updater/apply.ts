/**
 * The update, as a short orchestrator of numbered steps (numbered the same in
 * the log and the journal):
 *   1 wait for the old agent to exit      4 move the new files into place
 *   2 verify the package, extract it      5 start the new agent, wait for health
 *   3 back up the old agent's files       6 drop backup and staging
 * Until step 5 confirms the new agent, any failure rolls back; the point of no
 * return is the journal entry for step 6.
 */
import { VERSION } from "../agent/version.ts";
import { confirmAndCommit } from "./confirm.ts";
import { enterStep, loggedRetries, type UpdateContext } from "./context.ts";
import * as exit from "./exit_codes.ts";
import { dieIfRequested } from "./fault.ts";
import { backupOldFiles, listNewFiles, listOldFiles, swapInNewFiles } from "./file_sets.ts";
import { removePath } from "../host/fs_retry.ts";
import { recoverWithoutJournal } from "./corrupt_journal.ts";
import {
  CorruptJournalError,
  isOwnerActive,
  newJournal,
  readJournal,
  removeJournal,
  withJournalLock,
  writeJournal,
} from "./journal.ts";
import { describeError, UpdateLog } from "./log.ts";
import { type Manifest, readInstalledManifest, type TrustedKey } from "../package/mod.ts";
import { PackageError, packageFailure, verifyAndExtract } from "./package.ts";
import { installPaths } from "./paths.ts";
import { waitForPidExit } from "../host/process.ts";
import { claimJournal, recoverClaimedJournal } from "./recover.ts";
import { writeResult } from "./result.ts";
import { performRollback, restartAgent } from "./rollback.ts";
import { supervisorFor } from "./supervisor/supervisor.ts";

export interface ApplyOptions {
  packagePath: string;
  installDir: string;
  pidToWait: number;
  logDir: string;
  waitTimeoutMs: number;
  healthTimeoutMs: number;
  /** From `--trusted-keys`: the package must be signed by one of them. Empty: no check. */
  trustedKeys: TrustedKey[];
}

/** Runs the whole update; returns the exit code. */
export async function applyUpdate(options: ApplyOptions): Promise<number> {
  const log = await UpdateLog.open(options.logDir);
  const paths = installPaths(options.installDir);
  const { trustedKeys, ...shown } = options;
  log.info(`Hangar updater ${VERSION} (pid ${Deno.pid}) starting: ${JSON.stringify(shown)}`);
  log.info(`Paths: install ${paths.install}, staging ${paths.staging}, backup ${paths.backup}`);
  log.info(
    trustedKeys.length > 0
      ? `Trusted keys: ${trustedKeys.map((k) => k.id).join(", ")}`
      : "No trusted keys given: the package signature is not checked",
  );
  const ctx: UpdateContext = {
    paths,
    log,
    healthTimeoutMs: options.healthTimeoutMs,
    journal: newJournal({
      from_version: (await readInstalledManifest(paths.install))?.version ?? null,
      package_path: options.packagePath,
      log_dir: options.logDir,
      wait_timeout_ms: options.waitTimeoutMs,
      health_timeout_ms: options.healthTimeoutMs,
    }),
  };
  try {
    const stopped = await waitForOldAgent(ctx, options.pidToWait);
    return stopped ?? await verifyAndSwap(ctx, trustedKeys);
  } catch (err) {
    log.error(
      `Unexpected failure: ${err instanceof Error ? err.stack : String(err)}. Any journal ` +
        `stays for the next recovery`,
    );
    return exit.EXIT_FAILURE;
  }
}

/**
 * Step 1, after making sure no other updater works here. An interrupted
 * update's journal is finished first (once its agent is gone). Returns an
 * exit code when the update stops here, null to go on.
 */
async function waitForOldAgent(ctx: UpdateContext, pid: number): Promise<number | null> {
  const { log, paths } = ctx;
  const start = await withJournalLock(paths.install, async () => {
    const existing = await readJournal(paths.install).catch((err) => {
      if (err instanceof CorruptJournalError) return "corrupt" as const;
      throw err;
    });
    if (existing === "corrupt") return "interrupted";
    if (existing) return isOwnerActive(existing) ? "busy" : "interrupted";
    ctx.journal = await writeJournal(paths.install, ctx.journal);
    return "fresh";
  });
  if (start === "busy") {
    log.error("Another updater is working on this install dir; leaving it alone");
    return exit.EXIT_BUSY;
  }
  dieIfRequested("1-wait");

  const supervisor = supervisorFor(paths.install);
  await log.step(
    "Step 1/6 hold",
    `${supervisor.kind} supervisor: the agent is not started again until step 5`,
    () => supervisor.hold(pid),
  );
  const seconds = ctx.journal.wait_timeout_ms / 1000;
  const exited = await log.step(
    "Step 1/6 wait",
    `pid ${pid}, up to ${seconds} s`,
    () => waitForPidExit(pid, ctx.journal.wait_timeout_ms),
  );
  if (!exited) {
    const message = `The agent (pid ${pid}) did not exit within ${seconds} s`;
    log.error(`${message}; nothing was changed`);
    await writeResult(paths.install, "failed", ctx.journal, {
      failed_step: "1-wait",
      error_type: "UpdateGeneralFailure",
      message,
    });
    if (start === "fresh") await removeJournal(paths.install);
    await supervisor.release();
    return exit.EXIT_WAIT_TIMEOUT;
  }
  if (start === "interrupted") {
    log.warn("An interrupted update's journal is present; finishing it before this update");
    const claimed = await claimJournal(paths.install, "updater").catch(async (err) => {
      if (!(err instanceof CorruptJournalError)) throw err;
      await withJournalLock(
        paths.install,
        () => recoverWithoutJournal(paths.install, log, err.message),
      );
      return null;
    });
    if (claimed === "busy") return exit.EXIT_BUSY;
    if (claimed) await recoverClaimedJournal(paths.install, claimed, log);
    ctx.journal.from_version = (await readInstalledManifest(paths.install))?.version ?? null;
  }
  return null;
}

/** Steps 2 to 4; then 5 and 6. */
async function verifyAndSwap(ctx: UpdateContext, trustedKeys: TrustedKey[]): Promise<number> {
  const { log, paths } = ctx;
  const packagePath = ctx.journal.package_path;
  let manifest: Manifest;
  try {
    await enterStep(ctx, "2-verify");
    manifest = await log.step("Step 2/6 verify", `${packagePath} -> ${paths.staging}`, async () => {
      // Leftovers of an update that could not clean up; no journal refers to them any more.
      await removePath(paths.staging, loggedRetries(ctx));
      await removePath(paths.backup, loggedRetries(ctx));
      return await verifyAndExtract(packagePath, paths.staging, {
        keys: trustedKeys,
        installedVersion: ctx.journal.from_version,
      });
    });
  } catch (err) {
    return await abandonBeforeChanges(ctx, err);
  }
  log.info(
    `Package ${manifest.version} (${manifest.platform}) verified: ${manifest.files.length} files`,
  );
  const newFiles = await listNewFiles(manifest, paths.staging);
  const oldFiles = await listOldFiles(
    paths.install,
    await readInstalledManifest(paths.install),
    newFiles,
  );
  try {
    await enterStep(ctx, "3-backup", {
      to_version: manifest.version,
      old_files: oldFiles,
      new_files: newFiles,
    });
    await log.step(
      "Step 3/6 backup",
      `${oldFiles.length} files ${paths.install} -> ${paths.backup}`,
      () =>
        backupOldFiles(paths, oldFiles, () => dieIfRequested("3-backup.mid"), loggedRetries(ctx)),
    );
    await enterStep(ctx, "4-swap");
    await log.step(
      "Step 4/6 swap",
      `${newFiles.length} files ${paths.staging} -> ${paths.install}`,
      () => swapInNewFiles(paths, newFiles, () => dieIfRequested("4-swap.mid"), loggedRetries(ctx)),
    );
  } catch (err) {
    return await performRollback(ctx, {
      failed_step: ctx.journal.step,
      error_type: "UpdateExtractionFailed",
      message: describeError(err),
    });
  }
  return await confirmAndCommit(ctx);
}

/**
 * Step 2 failed: the live install was never touched. A corrupt or untrusted
 * package is deleted so the agent cannot hand it over again and loop. The old
 * agent exited in step 1, so it is started again: nothing of the package runs.
 */
async function abandonBeforeChanges(ctx: UpdateContext, err: unknown): Promise<number> {
  const { log, paths } = ctx;
  const corrupt = err instanceof PackageError;
  await removePath(paths.staging).catch((e) =>
    log.warn(`Cannot remove ${paths.staging}: ${describeError(e)}`)
  );
  if (corrupt) {
    await Deno.remove(ctx.journal.package_path).then(
      () =>
        log.warn(
          `Deleted the corrupt package ${ctx.journal.package_path} so it is not applied again`,
        ),
      (e) => log.warn(`Cannot delete the corrupt package: ${describeError(e)}`),
    );
  }
  await writeResult(
    paths.install,
    "failed",
    ctx.journal,
    corrupt ? packageFailure(err) : {
      failed_step: "2-verify",
      error_type: "UpdateExtractionFailed",
      message: describeError(err),
    },
  );
  await removeJournal(paths.install);
  log.error(`Update abandoned, nothing was changed: ${describeError(err)}`);
  await restartAgent(ctx, ctx.journal.from_version, "Restart the old agent");
  return corrupt ? exit.EXIT_PACKAGE_INVALID : exit.EXIT_FAILURE;
}
