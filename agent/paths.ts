/** Where the agent keeps its files under the install dir (docs/update-protocol.md). */
import { join } from "node:path";

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
    logDir: join(installDir, "logs"),
    outbox: join(installDir, "error_reports.jsonl"),
    lock: join(installDir, "agent.lock"),
    health: join(installDir, "agent_health.json"),
    updateResult: join(installDir, "update_result.json"),
    failedUpdate: join(installDir, "config", "failed_update.json"),
    updateStatusOutbox: join(installDir, "update_status.jsonl"),
    updateStatusAttempt: join(installDir, "config", "update_status_attempt.json"),
    updateDir: join(installDir, "_update"),
  };
}
