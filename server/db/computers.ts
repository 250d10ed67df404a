/**
 * Data access for computers (enrolled agents). Their errors live in
 * `computer_errors` (see computer_errors.ts); the counts here come from it.
 */
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
  group: string;
  pinned_version: string | null;
  updates_paused: boolean;
  download_limit_kbps: number | null;
  created_at: string;
  updated_at: string;
}

export const COLUMNS = `id::text AS id, agent_id, agent_token_hash, hostname, os, agent_version,
  last_seen_at, have_active_errors, created_at, updated_at,
  "group", pinned_version, updates_paused, download_limit_kbps,
  (SELECT count(*)::int FROM computer_errors e WHERE e.computer_id = computers.id) AS error_count,
  (SELECT count(*)::int FROM computer_errors e
    WHERE e.computer_id = computers.id AND NOT e.resolved) AS active_error_count`;

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
  input: {
    agentId: string;
    tokenHash: string;
    hostname: string;
    os: string;
    agentVersion: string;
    group?: string;
  },
): Promise<ComputerRow> {
  const rows = await db.query(
    `INSERT INTO computers
       (agent_id, agent_token_hash, hostname, os, agent_version, last_seen_at, "group")
     VALUES ($1, $2, $3, $4, $5, now(), $6) RETURNING ${COLUMNS}`,
    [
      input.agentId,
      input.tokenHash,
      input.hostname,
      input.os,
      input.agentVersion,
      input.group ?? "default",
    ],
  );
  return toComputer(rows[0]);
}

export async function findComputerById(db: Queryable, id: string): Promise<ComputerRow | null> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM computers WHERE id::text = $1`, [id]);
  return rows[0] ? toComputer(rows[0]) : null;
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
