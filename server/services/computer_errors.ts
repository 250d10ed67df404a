/** Reporting, listing and resolving the errors stored on a computer. */
import type { ComputerError, ErrorReport } from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import {
  appendComputerError,
  getComputerErrors,
  lockComputerErrors,
  saveComputerErrors,
} from "../db/computers.ts";
import { HttpError } from "../errors.ts";

/** A computer keeps at most this many errors; resolved ones are dropped first. */
export const MAX_ERRORS_PER_COMPUTER = 500;

/** Maps an agent's report to the plan's error element. */
export function toComputerError(report: ErrorReport, now: Date): ComputerError {
  return {
    id: crypto.randomUUID(),
    error_type: report.error_type,
    error_message: report.message,
    error_details: {
      ...report.details,
      reported_at_agent: report.timestamp,
      agent_version_at_error: report.agent_version,
      ...(report.stack_trace !== undefined ? { stack_trace: report.stack_trace } : {}),
    },
    reported_at: now.toISOString(),
    resolved: false,
    resolved_at: null,
    resolution_notes: null,
    report_id: report.report_id ?? null,
  };
}

/** Stores a report; a `report_id` seen before is accepted and stored once. */
export async function reportComputerError(
  db: Db,
  computerId: string,
  report: ErrorReport,
  now = new Date(),
): Promise<void> {
  await appendComputerError(db, computerId, toComputerError(report, now), MAX_ERRORS_PER_COMPUTER);
}

export async function listComputerErrors(db: Db, computerId: string): Promise<ComputerError[]> {
  const errors = await getComputerErrors(db, computerId);
  if (errors === null) throw new HttpError(404, "not_found", `Computer "${computerId}" not found`);
  return errors;
}

/** Marks one error resolved and recomputes `have_active_errors`, under a row lock. */
export function resolveComputerError(
  db: Db,
  computerId: string,
  errorId: string,
  notes: string | null,
  now = new Date(),
): Promise<ComputerError> {
  return db.transaction(async (tx) => {
    const errors = await lockComputerErrors(tx, computerId);
    if (errors === null) {
      throw new HttpError(404, "not_found", `Computer "${computerId}" not found`);
    }
    const index = errors.findIndex((e) => String(e.id) === errorId);
    if (index < 0) throw new HttpError(404, "not_found", `Error "${errorId}" not found`);
    if (errors[index].resolved) {
      throw new HttpError(409, "conflict", `Error "${errorId}" is already resolved`);
    }
    const resolved = {
      ...errors[index],
      resolved: true,
      resolved_at: now.toISOString(),
      resolution_notes: notes,
    };
    errors[index] = resolved;
    await saveComputerErrors(tx, computerId, errors);
    return resolved;
  });
}
