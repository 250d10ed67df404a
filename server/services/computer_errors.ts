/** Reporting, listing and resolving the errors stored on a computer. */
import type { ComputerError, ErrorReport } from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import {
  findComputerErrorForUpdate,
  insertComputerError,
  listErrorsOfComputer,
  lockComputer,
  markComputerErrorResolved,
  pruneComputerErrors,
  storeComputerErrorAlone,
} from "../db/computer_errors.ts";
import { HttpError } from "../errors.ts";
import { boundDetails, jsonBytes } from "./error_size.ts";

/** A computer keeps at most this many errors; resolved ones are dropped first. */
export const MAX_ERRORS_PER_COMPUTER = 500;
/** ... and at most this many bytes of them (each error's JSON), dropped in the same order. */
export const MAX_ERROR_BYTES_PER_COMPUTER = 1024 * 1024;

/** Maps an agent's report to the plan's error element, its details bounded in size. */
export function toComputerError(report: ErrorReport, now: Date): ComputerError {
  return {
    id: crypto.randomUUID(),
    error_type: report.error_type,
    error_message: report.message,
    error_details: boundDetails({
      ...report.details,
      reported_at_agent: report.timestamp,
      agent_version_at_error: report.agent_version,
      ...(report.stack_trace !== undefined ? { stack_trace: report.stack_trace } : {}),
    }),
    reported_at: now.toISOString(),
    resolved: false,
    resolved_at: null,
    resolution_notes: null,
    report_id: report.report_id ?? null,
  };
}

/**
 * Stores a report; a `report_id` seen before is accepted and stored once.
 * Returns false for such a duplicate (or a computer deleted meanwhile).
 */
export function reportComputerError(
  db: Db,
  computerId: string,
  report: ErrorReport,
  now = new Date(),
): Promise<boolean> {
  const error = toComputerError(report, now);
  if (db.kind === "pglite") {
    // One statement at a time there: one statement stores and prunes, one round trip.
    return storeComputerErrorAlone(
      db,
      computerId,
      error,
      jsonBytes(error),
      MAX_ERRORS_PER_COMPUTER,
      MAX_ERROR_BYTES_PER_COMPUTER,
    );
  }
  return db.transaction(async (tx) => {
    const id = await lockComputer(tx, computerId);
    if (id === null) return false;
    if (!await insertComputerError(tx, id, error, jsonBytes(error))) return false;
    await pruneComputerErrors(tx, id, MAX_ERRORS_PER_COMPUTER, MAX_ERROR_BYTES_PER_COMPUTER);
    return true;
  });
}

export async function listComputerErrors(db: Db, computerId: string): Promise<ComputerError[]> {
  const errors = await listErrorsOfComputer(db, computerId);
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
  by: string | null = null,
): Promise<ComputerError> {
  return db.transaction(async (tx) => {
    const id = await lockComputer(tx, computerId);
    if (id === null) throw new HttpError(404, "not_found", `Computer "${computerId}" not found`);
    const error = await findComputerErrorForUpdate(tx, id, errorId);
    if (error === null) throw new HttpError(404, "not_found", `Error "${errorId}" not found`);
    if (error.resolved) {
      throw new HttpError(409, "conflict", `Error "${errorId}" is already resolved`);
    }
    return await markComputerErrorResolved(tx, id, errorId, notes, now, by);
  });
}
