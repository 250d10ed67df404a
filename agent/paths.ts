/**
 * Where the agent keeps its files: the program's in the install dir, its data
 * in the data dir (package/layout.ts; the same folder unless `agent install`
 * put the data elsewhere, package/data_dir.ts).
 */
import { join } from "node:path";
import {
  CONFIG_DIR,
  dataDirOf,
  HEALTH_NAME,
  LOCK_NAME,
  LOG_DIR,
  OUTBOX_NAME,
  RESULT_NAME,
  STATUS_OUTBOX_NAME,
  UPDATE_DIR,
} from "../package/mod.ts";

export interface AgentPaths {
  installDir: string;
  /** The data folder (config, logs, buffers, lock, health, result). */
  dataDir: string;
  logDir: string;
  outbox: string;
  lock: string;
  health: string;
  updateResult: string;
  /** The version whose update last failed here (kept in config/, which updates never move). */
  failedUpdate: string;
  /** The update-status outbox (agent/update/update_status.ts). */
  updateStatusOutbox: string;
  /** The attempt whose status the next agent settles (update_status.ts; config/ survives updates). */
  updateStatusAttempt: string;
  /** The download and staging area of updates. */
  updateDir: string;
}

/** Throws DataDirError (package/data_dir.ts) when the install's data pointer is unreadable. */
export function agentPaths(installDir: string, dataDir = dataDirOf(installDir)): AgentPaths {
  return {
    installDir,
    dataDir,
    logDir: join(dataDir, LOG_DIR),
    outbox: join(dataDir, OUTBOX_NAME),
    lock: join(dataDir, LOCK_NAME),
    health: join(dataDir, HEALTH_NAME),
    updateResult: join(dataDir, RESULT_NAME),
    failedUpdate: join(dataDir, CONFIG_DIR, "failed_update.json"),
    updateStatusOutbox: join(dataDir, STATUS_OUTBOX_NAME),
    updateStatusAttempt: join(dataDir, CONFIG_DIR, "update_status_attempt.json"),
    updateDir: join(installDir, UPDATE_DIR),
  };
}
