/**
 * Data access for computers (enrolled agents) and their `errors` jsonb array.
 * Appending an error is one UPDATE (`errors || $x`), never read-modify-write,
 * so concurrent reports cannot lose each other.
 */
import type { ComputerError } from "../../protocol/mod.ts";
import { type Queryable, toIso, toIsoOrNull } from "./db.ts";

export interface ComputerRow {
  id: string;
  agent_id: string;
  agent_token_hash: string;
  hostname: string;
  os: string;
  agent_version: string;
  last_seen_at: string | null;
  have_active_errors: boolean;
  active_error_count: number;
  error_count: number;
  created_at: string;
  updated_at: string;
}

export const COLUMNS = `id::text AS id, agent_id, agent_token_hash, hostname, os, agent_version,
  last_seen_at, have_active_errors, created_at, updated_at,
  jsonb_array_length(errors) AS error_count,
  (SELECT count(*)::int FROM jsonb_array_elements(errors) e
    WHERE NOT COALESCE((e->>'resolved')::boolean, false)) AS active_error_count`;

export function toComputer(row: Record<string, unknown>): ComputerRow {
  return {
    ...(row as unknown as ComputerRow),
    error_count: Number(row.error_count),
    active_error_count: Number(row.active_error_count),
    last_seen_at: toIsoOrNull(row.last_seen_at),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

export async function insertComputer(
  db: Queryable,
  input: { agentId: string; tokenHash: string; hostname: string; os: string; agentVersion: string },
): Promise<ComputerRow> {
  const rows = await db.query(
    `INSERT INTO computers (agent_id, agent_token_hash, hostname, os, agent_version, last_seen_at)
     VALUES ($1, $2, $3, $4, $5, now()) RETURNING ${COLUMNS}`,
    [input.agentId, input.tokenHash, input.hostname, input.os, input.agentVersion],
  );
  return toComputer(rows[0]);
}

export async function findComputerByAgentId(
  db: Queryable,
  agentId: string,
): Promise<ComputerRow | null> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM computers WHERE agent_id = $1`, [agentId]);
  return rows[0] ? toComputer(rows[0]) : null;
}

export async function findComputerById(db: Queryable, id: string): Promise<ComputerRow | null> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM computers WHERE id::text = $1`, [id]);
  return rows[0] ? toComputer(rows[0]) : null;
}

export async function listComputers(db: Queryable): Promise<ComputerRow[]> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM computers ORDER BY hostname, created_at`);
  return rows.map(toComputer);
}

/** Records that the agent was seen now, and its version when it reported one. */
export async function touchComputer(
  db: Queryable,
  id: string,
  agentVersion: string | null,
): Promise<void> {
  await db.query(
    `UPDATE computers SET last_seen_at = now(),
       agent_version = COALESCE($2, agent_version),
       updated_at = CASE WHEN $2::text IS NOT NULL AND $2 <> agent_version THEN now()
                         ELSE updated_at END
     WHERE id::text = $1`,
    [id, agentVersion],
  );
}

/**
 * Appends `error` in one UPDATE. When `error.report_id` is already stored the
 * row is left alone (a retried report counts once). The array keeps its newest
 * `keep` elements, dropping resolved ones first. Returns false for a duplicate.
 */
export async function appendComputerError(
  db: Queryable,
  computerId: string,
  error: ComputerError,
  keep: number,
): Promise<boolean> {
  const duplicateGuard = error.report_id
    ? "AND NOT (errors @> jsonb_build_array(jsonb_build_object('report_id', $4::text)))"
    : "AND $4::text IS NULL";
  const rows = await db.query(
    `UPDATE computers SET
       errors = CASE WHEN jsonb_array_length(errors) < $3 THEN errors || $2::text::jsonb
         ELSE (SELECT jsonb_agg(kept.e ORDER BY kept.ord) FROM (
           SELECT t.e, t.ord FROM jsonb_array_elements(errors || $2::text::jsonb) WITH ORDINALITY AS t(e, ord)
           ORDER BY COALESCE((t.e->>'resolved')::boolean, false), t.ord DESC
           LIMIT $3) AS kept) END,
       have_active_errors = true,
       updated_at = now()
     WHERE id::text = $1 ${duplicateGuard}
     RETURNING id`,
    [computerId, JSON.stringify([error]), keep, error.report_id ?? null],
  );
  return rows.length === 1;
}

export async function getComputerErrors(
  db: Queryable,
  computerId: string,
): Promise<ComputerError[] | null> {
  const rows = await db.query<{ errors: ComputerError[] }>(
    "SELECT errors FROM computers WHERE id::text = $1",
    [computerId],
  );
  return rows[0] ? rows[0].errors : null;
}

/** Replaces the errors array of a computer locked FOR UPDATE by the caller's transaction. */
export async function lockComputerErrors(
  tx: Queryable,
  computerId: string,
): Promise<ComputerError[] | null> {
  const rows = await tx.query<{ errors: ComputerError[] }>(
    "SELECT errors FROM computers WHERE id::text = $1 FOR UPDATE",
    [computerId],
  );
  return rows[0] ? rows[0].errors : null;
}

export async function saveComputerErrors(
  tx: Queryable,
  computerId: string,
  errors: ComputerError[],
): Promise<void> {
  await tx.query(
    `UPDATE computers SET errors = $2::text::jsonb, have_active_errors = $3, updated_at = now()
     WHERE id::text = $1`,
    [computerId, JSON.stringify(errors), errors.some((e) => !e.resolved)],
  );
}
