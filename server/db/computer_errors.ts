/**
 * Data access for the errors agents report, one row each in `computer_errors`
 * (migration 0006). An append is one INSERT plus a pruning DELETE bounded by
 * the per-computer caps, under the computer's row lock, so its cost does not
 * grow with what is stored and concurrent reports cannot lose each other.
 */
import type { ComputerError } from "../../protocol/mod.ts";
import { type Queryable, toIso, toIsoOrNull } from "./db.ts";

const ERROR_COLUMNS = `id, error_type, error_message, error_details, reported_at, resolved,
  resolved_at, resolution_notes, resolved_by, report_id`;

export function toComputerError(row: Record<string, unknown>): ComputerError {
  return {
    id: String(row.id),
    error_type: String(row.error_type),
    error_message: String(row.error_message),
    error_details: row.error_details as Record<string, unknown>,
    reported_at: toIso(row.reported_at),
    resolved: Boolean(row.resolved),
    resolved_at: toIsoOrNull(row.resolved_at),
    resolution_notes: (row.resolution_notes as string | null) ?? null,
    resolved_by: (row.resolved_by as string | null) ?? null,
    report_id: (row.report_id as string | null) ?? null,
  };
}

/** Locks the computer's row for the transaction; returns its uuid, or null when unknown. */
export async function lockComputer(tx: Queryable, computerId: string): Promise<string | null> {
  const rows = await tx.query<{ id: string }>(
    "SELECT id::text AS id FROM computers WHERE id::text = $1 FOR UPDATE",
    [computerId],
  );
  return rows[0]?.id ?? null;
}

/** $1..$11 of an error row's INSERT, in its column order. */
function insertParams(computerId: string, error: ComputerError, sizeBytes: number): unknown[] {
  return [
    computerId,
    error.id,
    error.error_type,
    error.error_message,
    JSON.stringify(error.error_details),
    error.reported_at,
    error.resolved,
    error.resolved_at,
    error.resolution_notes,
    error.report_id ?? null,
    sizeBytes,
  ];
}

/**
 * Inserts `error` for a computer locked by the caller. Returns false, storing
 * nothing, when its `report_id` (or id) is already stored: a retry counts once.
 */
export async function insertComputerError(
  tx: Queryable,
  computerId: string,
  error: ComputerError,
  sizeBytes: number,
): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO computer_errors (computer_id, id, error_type, error_message, error_details,
       reported_at, resolved, resolved_at, resolution_notes, report_id, size_bytes)
     VALUES ($1::uuid, $2, $3, $4, $5::text::jsonb, $6, $7, $8, $9, $10, $11)
     ON CONFLICT DO NOTHING RETURNING seq`,
    insertParams(computerId, error, sizeBytes),
  );
  if (rows.length === 0) return false;
  await tx.query(
    "UPDATE computers SET have_active_errors = true, updated_at = now() WHERE id = $1::uuid",
    [computerId],
  );
  return true;
}

/**
 * The `seq`s to delete so that at most `$max_count` errors of at most
 * `$max_bytes` remain, resolved ones first and then the oldest. `extra` counts
 * a row about to be added as the newest (unresolved, highest seq, so last in
 * this order): `extraCount` rows of `extraBytes` in all.
 */
function prunedSeqs(
  computer: string,
  maxCount: string,
  maxBytes: string,
  extraCount = "0",
  extraBytes = "0",
): string {
  return `SELECT seq FROM (
         SELECT seq, size_bytes,
           count(*) OVER () + ${extraCount} AS total_count,
           sum(size_bytes) OVER () + ${extraBytes} AS total_bytes,
           row_number() OVER w AS rn,
           sum(size_bytes) OVER w AS cum_bytes
         FROM computer_errors WHERE computer_id = ${computer}
         WINDOW w AS (ORDER BY resolved DESC, seq ROWS UNBOUNDED PRECEDING)
       ) ordered
       WHERE total_count - rn + 1 > ${maxCount} OR total_bytes - (cum_bytes - size_bytes) > ${maxBytes}`;
}

/**
 * Deletes a computer's errors, resolved ones first and then the oldest, until
 * at most `maxCount` errors of at most `maxBytes` in all remain.
 */
export async function pruneComputerErrors(
  tx: Queryable,
  computerId: string,
  maxCount: number,
  maxBytes: number,
): Promise<number> {
  const rows = await tx.query(
    `DELETE FROM computer_errors WHERE seq IN (${prunedSeqs("$1::uuid", "$2", "$3")})
     RETURNING seq`,
    [computerId, maxCount, maxBytes],
  );
  return rows.length;
}

/**
 * For the embedded database: `insertComputerError` plus `pruneComputerErrors`
 * in ONE statement, so the database is held for one round trip rather than a
 * transaction's six (issue 13). The prune sees the rows stored before this
 * statement and counts the new one as the newest, so the caps hold as with
 * the two statements. Sound only where statements run one at a time (PGlite's
 * single session): on PostgreSQL two such statements could each miss the
 * other's row, so there the caller keeps the row-locked transaction.
 * Returns false, storing nothing, for an unknown computer or a `report_id`
 * (or id) already stored.
 */
export async function storeComputerErrorAlone(
  db: Queryable,
  computerId: string,
  error: ComputerError,
  sizeBytes: number,
  maxCount: number,
  maxBytes: number,
): Promise<boolean> {
  const rows = await db.query(
    `WITH target AS (SELECT id FROM computers WHERE id::text = $1),
     added AS (
       INSERT INTO computer_errors (computer_id, id, error_type, error_message, error_details,
         reported_at, resolved, resolved_at, resolution_notes, report_id, size_bytes)
       SELECT target.id, $2, $3, $4, $5::text::jsonb, $6, $7, $8, $9, $10, $11 FROM target
       ON CONFLICT DO NOTHING RETURNING seq, computer_id, size_bytes),
     flagged AS (
       UPDATE computers SET have_active_errors = true, updated_at = now()
       WHERE id IN (SELECT computer_id FROM added)),
     pruned AS (
       DELETE FROM computer_errors WHERE seq IN (${
      prunedSeqs(
        "(SELECT computer_id FROM added)",
        "$12",
        "$13",
        "(SELECT count(*) FROM added)",
        "(SELECT coalesce(sum(size_bytes), 0) FROM added)",
      )
    }))
     SELECT seq FROM added`,
    [...insertParams(computerId, error, sizeBytes), maxCount, maxBytes],
  );
  return rows.length > 0;
}

/** A computer's errors, oldest first, or null when the computer is unknown. */
export async function listErrorsOfComputer(
  db: Queryable,
  computerId: string,
): Promise<ComputerError[] | null> {
  const computers = await db.query(
    "SELECT id FROM computers WHERE id::text = $1",
    [computerId],
  );
  if (computers.length === 0) return null;
  const rows = await db.query(
    `SELECT ${ERROR_COLUMNS} FROM computer_errors WHERE computer_id::text = $1 ORDER BY seq`,
    [computerId],
  );
  return rows.map(toComputerError);
}

/** One error of a computer locked by the caller, locked too; null when unknown. */
export async function findComputerErrorForUpdate(
  tx: Queryable,
  computerId: string,
  errorId: string,
): Promise<ComputerError | null> {
  const rows = await tx.query(
    `SELECT ${ERROR_COLUMNS} FROM computer_errors
     WHERE computer_id = $1::uuid AND id = $2 FOR UPDATE`,
    [computerId, errorId],
  );
  return rows[0] ? toComputerError(rows[0]) : null;
}

/** Marks one error resolved and recomputes the computer's `have_active_errors`. */
export async function markComputerErrorResolved(
  tx: Queryable,
  computerId: string,
  errorId: string,
  notes: string | null,
  at: Date,
  by: string | null = null,
): Promise<ComputerError> {
  const rows = await tx.query(
    `UPDATE computer_errors
     SET resolved = true, resolved_at = $3, resolution_notes = $4, resolved_by = $5
     WHERE computer_id = $1::uuid AND id = $2 RETURNING ${ERROR_COLUMNS}`,
    [computerId, errorId, at.toISOString(), notes, by],
  );
  await tx.query(
    `UPDATE computers SET updated_at = now(), have_active_errors = EXISTS (
       SELECT 1 FROM computer_errors WHERE computer_id = $1::uuid AND NOT resolved)
     WHERE id = $1::uuid`,
    [computerId],
  );
  return toComputerError(rows[0]);
}
