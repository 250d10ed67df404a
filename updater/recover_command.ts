/**
 * `updater --recover`: finish an interrupted update, then make sure an agent
 * runs. Unlike the agent's own recovery it may start processes, so an update
 * whose new files are all in place is confirmed (start, health) before it is
 * kept, and rolled back if the new agent fails.
 */
import { join } from "node:path";
import { VERSION } from "../agent/version.ts";
import { confirmAndCommit } from "./confirm.ts";
import type { UpdateContext } from "./context.ts";
import { recoverWithoutJournal } from "./corrupt_journal.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_ROLLED_BACK } from "./exit_codes.ts";
import {
  CorruptJournalError,
  type Journal,
  newJournal,
  readJournal,
  withJournalLock,
} from "./journal.ts";
import { UpdateLog } from "./log.ts";
import { dataDirOf, LOG_DIR, readInstalledManifest } from "../package/mod.ts";
import { installPaths } from "./paths.ts";
import {
  claimWhenOwnerGone,
  planFor,
  recoverClaimedJournal,
  type RecoveryOutcome,
} from "./recover.ts";
import { restartAgent } from "./rollback.ts";

export interface RecoverOptions {
  installDir: string;
  logDir?: string;
  healthTimeoutMs: number;
}

export async function runRecoverCommand(
  options: RecoverOptions,
): Promise<{ outcome: RecoveryOutcome; code: number }> {
  let first: Journal | null;
  try {
    first = await readJournal(options.installDir);
  } catch (err) {
    if (!(err instanceof CorruptJournalError)) throw err;
    return await recoverAndStart(options, err.message);
  }
  if (!first) return { outcome: "none", code: EXIT_OK };
  const log = await UpdateLog.open(
    options.logDir ?? first.log_dir ?? join(dataDirOf(options.installDir), LOG_DIR),
  );
  log.info(`Hangar updater ${VERSION} (pid ${Deno.pid}) --recover in ${options.installDir}`);
  const journal = await claimWhenOwnerGone(options.installDir, log, "updater");
  if (!journal) return { outcome: "none", code: EXIT_OK };
  const ctx: UpdateContext = {
    paths: installPaths(options.installDir),
    log,
    journal,
    healthTimeoutMs: options.healthTimeoutMs,
  };
  if (journal.step !== "6-cleanup" && await planFor(ctx) === "forward") {
    log.info("Every new file is in place; confirming the new agent before keeping it");
    const code = await confirmAndCommit(ctx);
    if (code === EXIT_OK) return { outcome: "rolled_forward", code };
    return { outcome: "rolled_back", code: code === EXIT_ROLLED_BACK ? EXIT_OK : code };
  }
  const outcome = await recoverClaimedJournal(options.installDir, journal, log);
  const version = (await readInstalledManifest(options.installDir))?.version ?? null;
  await restartAgent(ctx, version, "Recovery: start agent");
  return { outcome, code: EXIT_OK };
}

/** The journal is unreadable: inspect the install, keep or restore a complete agent, start it. */
async function recoverAndStart(
  options: RecoverOptions,
  reason: string,
): Promise<{ outcome: RecoveryOutcome; code: number }> {
  const log = await UpdateLog.open(options.logDir ?? join(dataDirOf(options.installDir), LOG_DIR));
  log.info(`Hangar updater ${VERSION} (pid ${Deno.pid}) --recover in ${options.installDir}`);
  const result = await withJournalLock(
    options.installDir,
    () => recoverWithoutJournal(options.installDir, log, reason),
  );
  if (result === "rollback_failed") return { outcome: "none", code: EXIT_FAILURE };
  const version = (await readInstalledManifest(options.installDir))?.version ?? null;
  const ctx: UpdateContext = {
    paths: installPaths(options.installDir),
    log,
    healthTimeoutMs: options.healthTimeoutMs,
    journal: newJournal({
      from_version: version,
      package_path: "",
      log_dir: "",
      wait_timeout_ms: 0,
      health_timeout_ms: options.healthTimeoutMs,
    }),
  };
  await restartAgent(ctx, version, "Recovery: start agent");
  return { outcome: result, code: EXIT_OK };
}
