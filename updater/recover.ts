/**
 * Crash recovery. When an updater dies (killed, power loss) its journal stays
 * behind; whoever starts next (the agent, before anything else, or
 * `updater --recover`) claims it and finishes the job: roll forward when every
 * new file is in place, roll back otherwise. The install dir then holds a
 * complete old or new agent, never a mix.
 */
import { VERSION } from "../agent/version.ts";
import type { UpdateContext } from "./context.ts";
import { allNewInPlace, dropWorkDirs, restoreFiles } from "./file_sets.ts";
import { recoverWithoutJournal } from "./corrupt_journal.ts";
import {
  CorruptJournalError,
  type Failure,
  isOwnerActive,
  type Journal,
  readJournal,
  removeJournal,
  type StepId,
  withJournalLock,
  writeJournal,
} from "./journal.ts";
import { UpdateLog } from "./log.ts";
import { installPaths } from "./paths.ts";
import { sleep } from "../host/process.ts";
import { writeResult } from "./result.ts";

export type RecoveryOutcome = "none" | "rolled_forward" | "rolled_back";

/**
 * For the agent to call at its start, before anything else. Finishes an
 * interrupted update in `installDir` and says what it did. It never starts an
 * agent (the caller is the agent); when it returns anything but "none", the
 * files on disk may be another version than the running process.
 */
export async function recoverInterruptedUpdate(
  installDir: string,
  logDir: string,
): Promise<RecoveryOutcome> {
  let present: Journal | null;
  try {
    present = await readJournal(installDir);
  } catch (err) {
    if (!(err instanceof CorruptJournalError)) throw err;
    const log = await UpdateLog.open(logDir);
    log.info(`Recovery check by pid ${Deno.pid} (version ${VERSION}) in ${installDir}`);
    const outcome = await withJournalLock(
      installDir,
      () => recoverWithoutJournal(installDir, log, err.message),
    );
    return outcome === "rollback_failed" ? "none" : outcome;
  }
  if (!present) return "none";
  const log = await UpdateLog.open(logDir);
  log.info(`Recovery check by pid ${Deno.pid} (version ${VERSION}) in ${installDir}`);
  const journal = await claimWhenOwnerGone(installDir, log, "agent");
  if (!journal) return "none";
  return await recoverClaimedJournal(installDir, journal, log);
}

/**
 * Takes the journal over when the process that wrote it is gone: the journal
 * as claimed, "busy" while its owner still works, null when there is none.
 */
export async function claimJournal(
  installDir: string,
  owner: Journal["owner"],
): Promise<Journal | "busy" | null> {
  return await withJournalLock(installDir, async () => {
    const journal = await readJournal(installDir);
    if (!journal) return null;
    if (isOwnerActive(journal)) return "busy";
    return await writeJournal(installDir, { ...journal, updater_pid: Deno.pid, owner });
  });
}

/**
 * Claims the journal for `claimant`, waiting while a live owner works on it,
 * except for an updater in step 5: it is waiting for the agent that is
 * starting (perhaps the caller), and all the files are in place.
 */
export async function claimWhenOwnerGone(
  installDir: string,
  log: UpdateLog,
  claimant: Journal["owner"],
): Promise<Journal | null> {
  let waitingLogged = false;
  for (;;) {
    const claimed = await claimJournal(installDir, claimant);
    if (claimed !== "busy") return claimed;
    const journal = await readJournal(installDir);
    if (journal?.step === "5-launch" && journal.owner === "updater") {
      log.info(
        `Updater pid ${journal.updater_pid} is confirming the new agent; nothing to recover`,
      );
      return null;
    }
    if (!waitingLogged) log.info(`Waiting for pid ${journal?.updater_pid} to finish the update`);
    waitingLogged = true;
    await sleep(250);
  }
}

/** Which way an interrupted update goes. */
export function planRecovery(step: StepId, newFilesInPlace: boolean): "forward" | "back" {
  if (step === "6-cleanup") return "forward";
  if (step === "4-swap" || step === "5-launch") return newFilesInPlace ? "forward" : "back";
  return "back";
}

export async function planFor(ctx: UpdateContext): Promise<"forward" | "back"> {
  return planRecovery(ctx.journal.step, await allNewInPlace(ctx.paths, ctx.journal.new_files));
}

/** Finishes a claimed journal on disk only (no process is started or stopped). */
export async function recoverClaimedJournal(
  installDir: string,
  journal: Journal,
  log: UpdateLog,
): Promise<"rolled_forward" | "rolled_back"> {
  const ctx: UpdateContext = {
    paths: installPaths(installDir),
    log,
    journal,
    healthTimeoutMs: journal.health_timeout_ms,
  };
  const direction = await planFor(ctx);
  log.info(
    `Recovering the update ${journal.from_version} -> ${journal.to_version} interrupted during ` +
      `step ${journal.step}: rolling ${direction}`,
  );
  if (direction === "back") await restoreFiles(ctx);
  // Step 6 had confirmed the new agent: only the cleanup was cut short, nothing failed.
  if (journal.step !== "6-cleanup") {
    const outcome = direction === "forward" ? "rolled_forward" : "rolled_back";
    await writeResult(installDir, outcome, journal, interruption(journal, direction));
  }
  await dropWorkDirs(ctx.paths, (m) => log.warn(m));
  await removeJournal(installDir);
  const version = direction === "forward" ? journal.to_version : journal.from_version;
  log.info(`Recovery done: the install holds version ${version}`);
  return direction === "forward" ? "rolled_forward" : "rolled_back";
}

/** What the result file says about an update the updater did not finish itself. */
function interruption(journal: Journal, direction: "forward" | "back"): Failure {
  if (journal.step === "rollback" && journal.failure) {
    return {
      ...journal.failure,
      message:
        `${journal.failure.message}; the updater stopped during the rollback and recovery finished it`,
    };
  }
  const kept = direction === "forward"
    ? `kept version ${journal.to_version}, whose files were all in place`
    : `restored version ${journal.from_version}`;
  return {
    failed_step: journal.step,
    error_type: "UpdateGeneralFailure",
    message:
      `The updater stopped during step ${journal.step} (killed or power loss); recovery ${kept}`,
  };
}
