/**
 * Errors across the fleet: the inbox's newest-first pages (keyset on `seq`),
 * counts by type, and resolving many at once under the computers' row locks.
 */
import type { FleetError } from "../../protocol/mod.ts";
import { toComputerError as rowToError } from "./computer_errors.ts";
import type { Queryable } from "./db.ts";

export interface FleetErrorFilter {
  resolved?: boolean;
  errorType?: string;
  computerId?: string;
}

function where(filter: FleetErrorFilter, params: unknown[]): string[] {
  const parts: string[] = [];
  if (filter.resolved !== undefined) parts.push(filter.resolved ? "e.resolved" : "NOT e.resolved");
  if (filter.errorType !== undefined) {
    params.push(filter.errorType);
    parts.push(`e.error_type = $${params.length}`);
  }
  if (filter.computerId !== undefined) {
    params.push(filter.computerId);
    parts.push(`e.computer_id = $${params.length}::uuid`);
  }
  return parts;
}

/** Newest first, `limit + 1` rows so the caller sees whether more follow; `cursor` is `seq`. */
export async function listFleetErrors(
  db: Queryable,
  filter: FleetErrorFilter,
  page: { limit: number; beforeSeq?: string },
): Promise<(FleetError & { cursor: string })[]> {
  const params: unknown[] = [];
  const parts = where(filter, params);
  if (page.beforeSeq !== undefined) {
    params.push(page.beforeSeq);
    parts.push(`e.seq < $${params.length}::bigint`);
  }
  params.push(page.limit + 1);
  const rows = await db.query(
    `SELECT e.seq::text AS seq, e.computer_id::text AS computer_id, c.hostname, e.id, e.error_type,
       e.error_message, e.error_details, e.reported_at, e.resolved, e.resolved_at,
       e.resolution_notes, e.resolved_by, e.report_id
     FROM computer_errors e JOIN computers c ON c.id = e.computer_id
     ${parts.length ? `WHERE ${parts.join(" AND ")}` : ""}
     ORDER BY e.seq DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((row) => ({
    ...rowToError(row),
    computer_id: String(row.computer_id),
    hostname: String(row.hostname),
    cursor: String(row.seq),
  }));
}

export async function countFleetErrors(db: Queryable, filter: FleetErrorFilter): Promise<number> {
  const params: unknown[] = [];
  const parts = where(filter, params);
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM computer_errors e
     ${parts.length ? `WHERE ${parts.join(" AND ")}` : ""}`,
    params,
  );
  return rows[0].n;
}

/** Open errors per type, most first. */
export async function countOpenErrorsByType(
  db: Queryable,
): Promise<{ error_type: string; open: number }[]> {
  const rows = await db.query(
    `SELECT error_type, count(*)::int AS open FROM computer_errors WHERE NOT resolved
     GROUP BY error_type ORDER BY open DESC, error_type`,
  );
  return rows.map((row) => ({ error_type: String(row.error_type), open: Number(row.open) }));
}

export interface ErrorKey {
  computer_id: string;
  error_id: string;
}

/**
 * Resolves the open ones of `keys` (computers locked in id order, so two bulk
 * resolves cannot deadlock) and recomputes each computer's `have_active_errors`.
 * Returns the keys it resolved and the ones that were already resolved.
 */
export async function resolveFleetErrors(
  tx: Queryable,
  keys: ErrorKey[],
  resolution: { notes: string | null; by: string; at: Date },
): Promise<{ resolved: ErrorKey[]; alreadyResolved: ErrorKey[] }> {
  const computerIds = [...new Set(keys.map((k) => k.computer_id))].sort();
  await tx.query(
    "SELECT id FROM computers WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
    [computerIds],
  );
  const found = await tx.query(
    `SELECT e.computer_id::text AS computer_id, e.id AS error_id, e.resolved
     FROM computer_errors e
     JOIN unnest($1::uuid[], $2::text[]) AS k(computer_id, error_id)
       ON e.computer_id = k.computer_id AND e.id = k.error_id`,
    [keys.map((k) => k.computer_id), keys.map((k) => k.error_id)],
  );
  const toKey = (row: Record<string, unknown>) => ({
    computer_id: String(row.computer_id),
    error_id: String(row.error_id),
  });
  const open = found.filter((row) => !row.resolved).map(toKey);
  if (open.length > 0) {
    await tx.query(
      `UPDATE computer_errors e
       SET resolved = true, resolved_at = $3, resolution_notes = $4, resolved_by = $5
       FROM unnest($1::uuid[], $2::text[]) AS k(computer_id, error_id)
       WHERE e.computer_id = k.computer_id AND e.id = k.error_id AND NOT e.resolved`,
      [
        open.map((k) => k.computer_id),
        open.map((k) => k.error_id),
        resolution.at.toISOString(),
        resolution.notes,
        resolution.by,
      ],
    );
    await tx.query(
      `UPDATE computers c SET updated_at = now(), have_active_errors = EXISTS (
         SELECT 1 FROM computer_errors e WHERE e.computer_id = c.id AND NOT e.resolved)
       WHERE c.id = ANY($1::uuid[])`,
      [[...new Set(open.map((k) => k.computer_id))]],
    );
  }
  return { resolved: open, alreadyResolved: found.filter((row) => row.resolved).map(toKey) };
}
