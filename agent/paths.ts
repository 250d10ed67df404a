/** Where the agent keeps its files under the install dir (the layout is package/layout.ts). */
import { join } from "node:path";
import {
  CONFIG_DIR,
  HEALTH_NAME,
  LOCK_NAME,
  LOG_DIR,
  OUTBOX_NAME,
  RESULT_NAME,
  STATUS_OUTBOX_NAME,
  UPDATE_DIR,
} from "../package/layout.ts";

export interface AgentPaths {
  installDir: string;
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

export function agentPaths(installDir: string): AgentPaths {
  return {
    installDir,
    logDir: join(installDir, LOG_DIR),
    outbox: join(installDir, OUTBOX_NAME),
    lock: join(installDir, LOCK_NAME),
    health: join(installDir, HEALTH_NAME),
    updateResult: join(installDir, RESULT_NAME),
    failedUpdate: join(installDir, CONFIG_DIR, "failed_update.json"),
    updateStatusOutbox: join(installDir, STATUS_OUTBOX_NAME),
    updateStatusAttempt: join(installDir, CONFIG_DIR, "update_status_attempt.json"),
    updateDir: join(installDir, UPDATE_DIR),
  };
}
