/**
 * Data access for update attempts. A report moves an attempt forward only:
 * a repeated or late report of an earlier state (the agent's outbox retries)
 * changes nothing, and a finished attempt stays finished.
 */
import type { UpdateAttempt, UpdateStatusReport } from "../../protocol/mod.ts";
import { type Queryable, toIso, toIsoOrNull } from "./db.ts";

const COLUMNS = `attempt_id::text AS attempt_id, from_version, to_version, state, progress,
  error_type, message, rollout_id::text AS rollout_id, started_at, finished_at`;

function toAttempt(row: Record<string, unknown>): UpdateAttempt {
  return {
    ...(row as unknown as UpdateAttempt),
    progress: row.progress === null ? null : Number(row.progress),
    started_at: toIso(row.started_at),
    finished_at: toIsoOrNull(row.finished_at),
  };
}

/**
 * Records `report` for `computerId`. Returns true when the attempt changed
 * (a new attempt or a later state), false for a repeat, an earlier state, or
 * an attempt id that belongs to another computer.
 */
export async function recordUpdateStatus(
  db: Queryable,
  computerId: string,
  report: UpdateStatusReport,
  rolloutId: string | null,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO update_attempts AS a (attempt_id, computer_id, from_version, to_version, state,
       progress, error_type, message, rollout_id, finished_at)
     VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9::uuid,
       CASE WHEN $5 IN ('succeeded', 'failed') THEN now() END)
     ON CONFLICT (attempt_id) DO UPDATE SET
       state = EXCLUDED.state,
       progress = COALESCE(EXCLUDED.progress, a.progress),
       error_type = COALESCE(EXCLUDED.error_type, a.error_type),
       message = COALESCE(EXCLUDED.message, a.message),
       finished_at = EXCLUDED.finished_at,
       updated_at = now()
     WHERE a.computer_id = EXCLUDED.computer_id AND a.finished_at IS NULL
       AND (array_position(ARRAY['downloading', 'verifying', 'installing'], EXCLUDED.state)
             > array_position(ARRAY['downloading', 'verifying', 'installing'], a.state)
         OR EXCLUDED.state IN ('succeeded', 'failed')
         OR (EXCLUDED.state = a.state AND EXCLUDED.progress IS DISTINCT FROM a.progress))
     RETURNING attempt_id`,
    [
      report.attempt_id,
      computerId,
      report.from_version,
      report.to_version,
      report.state,
      report.progress ?? null,
      report.error_type ?? null,
      report.message ?? null,
      rolloutId,
    ],
  );
  return rows.length === 1;
}

/** A computer's attempts, newest first (at most `limit`). */
export async function listUpdateAttempts(
  db: Queryable,
  computerId: string,
  limit = 200,
): Promise<UpdateAttempt[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM update_attempts WHERE computer_id::text = $1
     ORDER BY started_at DESC, attempt_id LIMIT $2`,
    [computerId, limit],
  );
  return rows.map(toAttempt);
}

/** Counts of a rollout's attempts by outcome (each computer's attempts counted). */
export interface AttemptTally {
  failed: number;
  succeeded: number;
  in_progress: number;
}

/** A rollout's attempts; finished ones count only when they finished at or after `since`. */
export async function tallyRolloutAttempts(
  db: Queryable,
  rolloutId: string,
  since: string,
): Promise<AttemptTally> {
  const rows = await db.query<{ state: string; n: number }>(
    `SELECT CASE WHEN state IN ('succeeded', 'failed') THEN state ELSE 'in_progress' END AS state,
       count(*)::int AS n
     FROM update_attempts
     WHERE rollout_id::text = $1 AND (finished_at IS NULL OR finished_at >= $2::timestamptz)
     GROUP BY 1`,
    [rolloutId, since],
  );
  const tally: AttemptTally = { failed: 0, succeeded: 0, in_progress: 0 };
  for (const row of rows) tally[row.state as keyof AttemptTally] = Number(row.n);
  return tally;
}
