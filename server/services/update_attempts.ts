/**
 * Update attempts as agents report them (`POST /api/agent/update-status`).
 * An attempt of the active rollout's version belongs to that rollout; a
 * finished one makes the rollout's rule be evaluated at once.
 */
import type { UpdateAttempt, UpdateStatusReport } from "../../protocol/mod.ts";
import { findComputerPolicy } from "../db/computer_settings.ts";
import type { Db } from "../db/db.ts";
import { listUpdateAttempts, recordUpdateStatus } from "../db/update_attempts.ts";
import { HttpError } from "../errors.ts";
import { isUuid } from "../validate.ts";

export interface UpdateAttemptsDeps {
  db: Db;
  /** The active rollout's id when it rolls out `version`, else null. */
  rolloutIdFor: (version: string) => string | null;
  /** Called after an attempt finished (succeeded or failed). */
  onFinished: () => void;
}

export class UpdateAttempts {
  constructor(private readonly deps: UpdateAttemptsDeps) {}

  async record(computerId: string, report: UpdateStatusReport): Promise<void> {
    const changed = await recordUpdateStatus(
      this.deps.db,
      computerId,
      report,
      this.deps.rolloutIdFor(report.to_version),
    );
    if (changed && (report.state === "succeeded" || report.state === "failed")) {
      this.deps.onFinished();
    }
  }

  async list(computerId: string): Promise<UpdateAttempt[]> {
    if (!isUuid(computerId) || !await findComputerPolicy(this.deps.db, computerId)) {
      throw new HttpError(404, "not_found", `Computer "${computerId.slice(0, 100)}" not found`);
    }
    return await listUpdateAttempts(this.deps.db, computerId);
  }
}
