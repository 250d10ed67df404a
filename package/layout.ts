/**
 * The install folder's layout (docs/update-protocol.md), shared by the agent
 * and the updater: the names inside it, which of them belong to the agent's
 * data or the update machinery (never to a package), and the two files the
 * agent and the updater leave for each other.
 *
 * Two folders: the install folder holds the program (the package's files,
 * `_update/`, the swap's `_staging_new/`, `_backup_old/` and journal, the
 * supervisor copy); the data folder holds what the agent and the updater
 * write as data (DATA_NAMES: config, logs, buffers, lock, health, result).
 * A portable or development agent keeps both in one folder; `agent install`
 * writes DATA_DIR_POINTER into the install folder naming another data folder
 * (package/data_dir.ts reads it).
 */

export const MANIFEST_NAME = "manifest.json";
export const SIGNATURE_NAME = "manifest.sig";
export const CONFIG_DIR = "config";
export const LOG_DIR = "logs";
export const OUTBOX_NAME = "error_reports.jsonl";
/** The agent's queue of update-status reports (rollouts). */
export const STATUS_OUTBOX_NAME = "update_status.jsonl";
export const LOCK_NAME = "agent.lock";
/** The agent's download and updater area. */
export const UPDATE_DIR = "_update";
/** `agent install`'s copy of the agent that the Windows task runs as the supervisor (docs/agent.md). */
export const SUPERVISOR_DIR = "supervisor";
export const STAGING_DIR = "_staging_new";
export const BACKUP_DIR = "_backup_old";
export const JOURNAL_NAME = "_update_journal.json";
export const HEALTH_NAME = "agent_health.json";
export const RESULT_NAME = "update_result.json";
/** In the install folder: `{"data_dir": "<absolute path>"}` when the data lives elsewhere. */
export const DATA_DIR_POINTER = "data_dir.json";

/** The names that live in the data folder (the install folder when there is no pointer). */
export const DATA_NAMES: readonly string[] = [
  CONFIG_DIR,
  LOG_DIR,
  OUTBOX_NAME,
  STATUS_OUTBOX_NAME,
  LOCK_NAME,
  HEALTH_NAME,
  RESULT_NAME,
];

/**
 * Top-level names that belong to the agent's data or to the update machinery,
 * never to the installed package. Names starting with the journal's name
 * cover its `.tmp` and `.lock` companions.
 */
const EXCLUDED_NAMES = new Set([
  ...DATA_NAMES,
  DATA_DIR_POINTER,
  UPDATE_DIR,
  SUPERVISOR_DIR,
  STAGING_DIR,
  BACKUP_DIR,
]);

/** True when `relPath` (a `/`-separated path) lies in the agent's data or the update machinery. */
export function isExcludedPath(relPath: string): boolean {
  const top = relPath.split("/")[0].toLowerCase();
  return EXCLUDED_NAMES.has(top) || top.startsWith(JOURNAL_NAME);
}

/** `agent_health.json`: written by a running agent once it is up; the updater waits for it. */
export interface AgentHealth {
  version: string;
  pid: number;
  time: string;
}

/** How an update the updater did not confirm ended. */
export type UpdateOutcome = "failed" | "rolled_back" | "rolled_forward" | "rollback_failed";

/** The error types an updater writes into `update_result.json`. */
export type UpdaterErrorType =
  | "UpdateExtractionFailed"
  | "UpdateLaunchFailed"
  | "UpdateGeneralFailure"
  | "UpdateSignatureInvalid";

/**
 * `update_result.json`: left by the updater (or a recovery) whenever an
 * update does not end with the new version confirmed; the agent reports it
 * at its next start and deletes it.
 */
export interface UpdateResult {
  outcome: UpdateOutcome;
  from_version: string | null;
  to_version: string | null;
  /** The step that failed (`2-verify`, `4-swap`, `rollback`, ...). */
  failed_step: string;
  error_type: UpdaterErrorType;
  message: string;
  /** UpdateSignatureInvalid only: the key the package claims or was signed with. */
  key_id?: string | null;
  /** UpdateSignatureInvalid only: why (`unsigned`, `unknown_key`, `file_mismatch`, ...). */
  reason?: string;
  finished_at: string;
}
