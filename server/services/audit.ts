/**
 * The audit log service: every admin write, sign-in, sign-out and automatic
 * rollout step calls `recordAudit` once it has happened. Pass the transaction
 * as `db` when the write runs in one, so the entry commits with it.
 */
import type { AuditAction, AuditEntry, AuditQuery } from "../../protocol/mod.ts";
import type { Queryable } from "../db/db.ts";
import { insertAuditEntry, listAuditEntries } from "../db/audit_log.ts";

export interface AuditRecord {
  /** The admin's username, an API token's name, or `system` (SYSTEM_ACTOR). */
  actor: string;
  action: AuditAction;
  target_type?: string | null;
  target_id?: string | null;
  details?: Record<string, unknown>;
}

/** Appends one entry to the audit log. */
export async function recordAudit(db: Queryable, record: AuditRecord): Promise<void> {
  await insertAuditEntry(db, {
    actor: record.actor.slice(0, 200),
    action: record.action,
    target_type: record.target_type ?? null,
    target_id: record.target_id ?? null,
    details: record.details ?? {},
  });
}

/** One page of the log, newest first, and the cursor of the next page (null on the last). */
export async function listAudit(
  db: Queryable,
  query: AuditQuery,
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const rows = await listAuditEntries(db, {
    limit: query.limit,
    before: query.after,
    action: query.action,
    actor: query.actor,
  });
  const entries = rows.slice(0, query.limit);
  const nextCursor = rows.length > query.limit ? entries[entries.length - 1].id : null;
  return { entries, nextCursor };
}
