/**
 * Data access for rollouts. Admin actions lock the row (`FOR UPDATE`); the
 * automatic evaluation takes the running rollout with `SKIP LOCKED`, so when
 * several instances evaluate at once exactly one of them acts on it.
 */
import type { RolloutStatus } from "../../protocol/mod.ts";
import type { StageSpec } from "../services/rollout_cohort.ts";
import { type Queryable, toIso, toIsoOrNull } from "./db.ts";

export interface RolloutRow {
  id: string;
  version_id: string;
  version: string;
  status: RolloutStatus;
  stages: StageSpec[];
  stage_index: number;
  max_failures: number;
  max_failure_rate: number;
  halt_reason: string | null;
  /** The halt rule counts attempts finished since then (the start, or the last resume from a halt). */
  counted_since: string;
  created_by: string;
  started_at: string;
  stage_started_at: string;
  finished_at: string | null;
  /** Seconds since the current stage started, by the database's clock (shared by instances). */
  stage_age_s: number;
}

const COLUMNS = `r.id::text AS id, r.version_id::text AS version_id, v.version, r.status,
  r.stages, r.stage_index, r.max_failures, r.max_failure_rate, r.halt_reason, r.counted_since, r.created_by,
  r.started_at, r.stage_started_at, r.finished_at,
  EXTRACT(EPOCH FROM (now() - r.stage_started_at))::float8 AS stage_age_s`;
const FROM = "rollouts r JOIN agent_versions v ON v.id = r.version_id";
const ACTIVE = "r.status IN ('running', 'paused', 'halted')";

function toRollout(row: Record<string, unknown>): RolloutRow {
  return {
    ...(row as unknown as RolloutRow),
    stage_index: Number(row.stage_index),
    max_failures: Number(row.max_failures),
    max_failure_rate: Number(row.max_failure_rate),
    stage_age_s: Number(row.stage_age_s),
    started_at: toIso(row.started_at),
    stage_started_at: toIso(row.stage_started_at),
    counted_since: toIso(row.counted_since),
    finished_at: toIsoOrNull(row.finished_at),
  };
}

export interface NewRollout {
  versionId: string;
  stages: StageSpec[];
  maxFailures: number;
  maxFailureRate: number;
  createdBy: string;
}

/** Inserts a running rollout; returns its id, or null when another one is active (also under a race). */
export async function insertRollout(db: Queryable, input: NewRollout): Promise<string | null> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO rollouts (version_id, stages, max_failures, max_failure_rate, created_by)
     VALUES ($1::uuid, $2::text::jsonb, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING id::text AS id`,
    [
      input.versionId,
      JSON.stringify(input.stages),
      input.maxFailures,
      input.maxFailureRate,
      input.createdBy,
    ],
  );
  return rows[0]?.id ?? null;
}

export async function findRollout(
  db: Queryable,
  id: string,
  lock = false,
): Promise<RolloutRow | null> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE r.id::text = $1${lock ? " FOR UPDATE OF r" : ""}`,
    [id],
  );
  return rows[0] ? toRollout(rows[0]) : null;
}

/** The active rollout (running, paused or halted), or null. */
export async function findActiveRollout(db: Queryable): Promise<RolloutRow | null> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE ${ACTIVE}`);
  return rows[0] ? toRollout(rows[0]) : null;
}

/** The running rollout locked for this transaction, or null when none runs or another instance holds it. */
export async function lockRunningRollout(tx: Queryable): Promise<RolloutRow | null> {
  const rows = await tx.query(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE r.status = 'running' FOR UPDATE OF r SKIP LOCKED`,
  );
  return rows[0] ? toRollout(rows[0]) : null;
}

export async function listRollouts(db: Queryable, limit = 100): Promise<RolloutRow[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM ${FROM} ORDER BY r.started_at DESC, r.id LIMIT $1`,
    [limit],
  );
  return rows.map(toRollout);
}

export interface RolloutChange {
  status?: RolloutStatus;
  stageIndex?: number;
  haltReason?: string | null;
  /** Start counting failures afresh (an admin lifted a halt). */
  recount?: boolean;
}

/**
 * Changes a rollout: a new stage restarts its wait; a final status sets
 * `finished_at`. Call with the row locked.
 */
export async function updateRollout(
  tx: Queryable,
  id: string,
  change: RolloutChange,
): Promise<void> {
  await tx.query(
    `UPDATE rollouts SET
       status = COALESCE($2, status),
       stage_index = COALESCE($3, stage_index),
       stage_started_at = CASE WHEN $3::int IS NOT NULL AND $3::int <> stage_index
         THEN now() ELSE stage_started_at END,
       halt_reason = CASE WHEN $4::boolean THEN $5 ELSE halt_reason END,
       finished_at = CASE WHEN $2 IN ('completed', 'cancelled') THEN now() ELSE finished_at END,
       counted_since = CASE WHEN $6::boolean THEN now() ELSE counted_since END,
       updated_at = now()
     WHERE id::text = $1`,
    [
      id,
      change.status ?? null,
      change.stageIndex ?? null,
      change.haltReason !== undefined,
      change.haltReason ?? null,
      change.recount ?? false,
    ],
  );
}

/** Each computer's latest attempt in a rollout: computer id → state. */
export async function latestRolloutAttempts(
  db: Queryable,
  rolloutId: string,
): Promise<Map<string, string>> {
  const rows = await db.query<{ computer_id: string; state: string }>(
    `SELECT DISTINCT ON (computer_id) computer_id::text AS computer_id, state
     FROM update_attempts WHERE rollout_id::text = $1 ORDER BY computer_id, started_at DESC`,
    [rolloutId],
  );
  return new Map(rows.map((r) => [r.computer_id, r.state]));
}

/** The most frequent error types of a rollout's failed attempts, most frequent first. */
export async function rolloutFailureTypes(
  db: Queryable,
  rolloutId: string,
): Promise<{ error_type: string; n: number }[]> {
  const rows = await db.query<{ error_type: string; n: number }>(
    `SELECT COALESCE(error_type, 'unknown') AS error_type, count(*)::int AS n
     FROM update_attempts WHERE rollout_id::text = $1 AND state = 'failed'
     GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3`,
    [rolloutId],
  );
  return rows.map((r) => ({ error_type: r.error_type, n: Number(r.n) }));
}

/** How many computers run `version` now (an old agent that never reports still counts). */
export async function countComputersOnVersion(db: Queryable, version: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM computers WHERE agent_version = $1",
    [version],
  );
  return Number(rows[0].n);
}
