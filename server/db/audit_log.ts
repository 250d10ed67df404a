/** Data access for the append-only audit log: insert and page, nothing else. */
import type { AuditEntry } from "../../protocol/mod.ts";
import { type Queryable, toIso } from "./db.ts";

export interface AuditInsert {
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
}

export async function insertAuditEntry(db: Queryable, entry: AuditInsert): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor, action, target_type, target_id, details)
     VALUES ($1, $2, $3, $4, $5::text::jsonb)`,
    [entry.actor, entry.action, entry.target_type, entry.target_id, JSON.stringify(entry.details)],
  );
}

export interface AuditFilter {
  limit: number;
  /** Entries older than this id (the previous page's last). */
  before?: string;
  action?: string;
  actor?: string;
}

/** Newest first; returns one row more than `limit` so the caller knows a next page exists. */
export async function listAuditEntries(db: Queryable, filter: AuditFilter): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.before) {
    params.push(filter.before);
    where.push(`id < $${params.length}::bigint`);
  }
  if (filter.action) {
    params.push(filter.action);
    where.push(`action = $${params.length}`);
  }
  if (filter.actor) {
    params.push(filter.actor);
    where.push(`actor = $${params.length}`);
  }
  params.push(filter.limit + 1);
  const rows = await db.query(
    `SELECT id::text AS id, at, actor, action, target_type, target_id, details FROM audit_log
     ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((row) => ({ ...(row as unknown as AuditEntry), at: toIso(row.at) }));
}
