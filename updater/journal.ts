/**
 * `_update_journal.json`: where the updater is, written atomically (temp file,
 * fsync, rename) before each step, so that after a crash the next start of the
 * updater or the agent can finish the job (see recover.ts).
 */
import { join } from "node:path";
import { writeAll, writeFileAtomic } from "../host/fs_retry.ts";
import { JOURNAL_NAME, type UpdaterErrorType } from "../package/layout.ts";
import { isPidAlive, sleep } from "../host/process.ts";

const STEPS = ["1-wait", "2-verify", "3-backup", "4-swap", "5-launch", "6-cleanup"] as const;
/** A step, the rollback, or "journal": recovery found the journal unreadable. */
export type StepId = (typeof STEPS)[number] | "rollback" | "journal";

/** Why an update is being rolled back. */
export interface Failure {
  failed_step: StepId;
  error_type: UpdaterErrorType;
  message: string;
  /** UpdateSignatureInvalid only: the key the package claims or was signed with. */
  key_id?: string | null;
  /** UpdateSignatureInvalid only: why (`unsigned`, `unknown_key`, `bad_signature`, ...). */
  reason?: string;
}

export interface Journal {
  format: 1;
  /** The process that owns the journal: the updater, or whoever recovers it. */
  updater_pid: number;
  /** "agent" while an agent's start-up recovery owns it: that one never starts agents. */
  owner: "updater" | "agent";
  from_version: string | null;
  to_version: string | null;
  step: StepId;
  package_path: string;
  log_dir: string;
  /** The installed agent's files (relative, `/`-separated): what step 3 backs up. */
  old_files: string[];
  /** The new package's files, `manifest.json` last: what step 4 moves into place. */
  new_files: string[];
  /** The new agent started in step 5, so recovery can adopt it instead of starting a second. */
  launched_pid: number | null;
  launched_at: string | null;
  failure: Failure | null;
  wait_timeout_ms: number;
  health_timeout_ms: number;
  started_at: string;
  updated_at: string;
}

/** A fresh journal for an update this process is about to run, at step 1. */
export function newJournal(
  fields: Pick<
    Journal,
    "from_version" | "package_path" | "log_dir" | "wait_timeout_ms" | "health_timeout_ms"
  >,
): Journal {
  const now = new Date().toISOString();
  return {
    format: 1,
    updater_pid: Deno.pid,
    owner: "updater",
    to_version: null,
    step: "1-wait",
    old_files: [],
    new_files: [],
    launched_pid: null,
    launched_at: null,
    failure: null,
    started_at: now,
    updated_at: now,
    ...fields,
  };
}

/** Past this long without a journal write, an owner that still answers is another process reusing its PID. */
const OWNER_GRACE_MS = 120_000;

export function journalPath(installDir: string): string {
  return join(installDir, JOURNAL_NAME);
}

/** The journal file exists but cannot be read as a journal (see corrupt_journal.ts). */
export class CorruptJournalError extends Error {
  override name = "CorruptJournalError";
}

/**
 * The journal, or null when no update is in flight. Throws CorruptJournalError
 * when the file exists but is not a journal (zero bytes, torn JSON).
 */
export async function readJournal(installDir: string): Promise<Journal | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(journalPath(installDir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  let journal: Journal;
  try {
    journal = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw new CorruptJournalError(`${bytes.length} bytes, not JSON: ${(err as Error).message}`);
  }
  if (
    journal?.format !== 1 || !Array.isArray(journal.old_files) ||
    !Array.isArray(journal.new_files) || typeof journal.step !== "string"
  ) {
    throw new CorruptJournalError("not a journal this updater knows");
  }
  return journal;
}

/** Records `journal` durably and returns it as written. */
export async function writeJournal(installDir: string, journal: Journal): Promise<Journal> {
  const written = { ...journal, updated_at: new Date().toISOString() };
  await writeFileAtomic(journalPath(installDir), JSON.stringify(written, null, 2));
  return written;
}

export async function removeJournal(installDir: string): Promise<void> {
  await Deno.remove(journalPath(installDir)).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
}

/**
 * True when `pid`, recorded at `recordedAt`, may still be that process: alive,
 * and recorded since the last boot (after a power cut every recorded PID is
 * stale). With `maxAgeMs`, a record older than that is stale too: no updater
 * step takes that long, so a live PID is another process reusing the number.
 */
export function isRecordedProcessAlive(
  pid: number | null,
  recordedAt: string | null,
  maxAgeMs: number | null,
): boolean {
  if (pid === null || recordedAt === null || pid === Deno.pid) return false;
  const recorded = Date.parse(recordedAt);
  if (maxAgeMs !== null && Date.now() > recorded + maxAgeMs) return false;
  if (recorded < bootTime()) return false;
  return isPidAlive(pid);
}

/** True while the process that owns the journal may still be working on it. */
export function isOwnerActive(journal: Journal): boolean {
  const longestStep = Math.max(journal.wait_timeout_ms, journal.health_timeout_ms);
  return isRecordedProcessAlive(
    journal.updater_pid,
    journal.updated_at,
    longestStep + OWNER_GRACE_MS,
  );
}

function bootTime(): number {
  try {
    return Date.now() - Deno.osUptime() * 1000 - 5_000;
  } catch {
    return 0; // no permission to ask: assume the same boot
  }
}

/**
 * Runs `critical` while holding `_update_journal.json.lock`, created
 * exclusively, so two processes never claim the same journal. A lock left by
 * a dead process is taken over.
 */
export async function withJournalLock<T>(
  installDir: string,
  critical: () => Promise<T>,
): Promise<T> {
  const lockPath = `${journalPath(installDir)}.lock`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const lock = await Deno.open(lockPath, { write: true, createNew: true });
      await writeAll(lock, new TextEncoder().encode(String(Deno.pid)));
      lock.close();
      break;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    const holder = Number(await Deno.readTextFile(lockPath).catch(() => ""));
    const abandoned = holder > 0 ? !isPidAlive(holder) : false;
    if (abandoned || Date.now() > deadline) await Deno.remove(lockPath).catch(() => {});
    else await sleep(50);
  }
  try {
    return await critical();
  } finally {
    await Deno.remove(lockPath).catch(() => {});
  }
}
