/**
 * The fleet-wide errors inbox: pages of errors across every computer, open
 * counts per type, and resolving many at once (audited, announced live).
 */
import {
  AUDIT_ACTIONS,
  type BulkResolveRequest,
  type BulkResolveResponse,
  type ErrorListQuery,
  type FleetError,
} from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import {
  countFleetErrors,
  countOpenErrorsByType,
  type ErrorKey,
  listFleetErrors,
  resolveFleetErrors,
} from "../db/fleet_errors.ts";
import type { Notifier } from "../ws/notifier.ts";
import { recordAudit } from "./audit.ts";

/**
 * Tells every instance's admin pages that errors changed (`admin:errors_changed`).
 * Best effort: the write already happened, and the pages also refresh on a timer.
 */
export async function announceErrorsChanged(
  notifier: Notifier,
  computerId: string | null,
): Promise<void> {
  await notifier.publish({ type: "errors_changed", computer_id: computerId }).catch(() => {});
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listErrorsInbox(
  db: Db,
  query: ErrorListQuery,
): Promise<{ errors: FleetError[]; total: number; nextCursor: string | null }> {
  const filter = {
    resolved: query.resolved,
    errorType: query.error_type,
    computerId: query.computer_id,
  };
  const [rows, total] = await Promise.all([
    listFleetErrors(db, filter, { limit: query.limit, beforeSeq: query.after }),
    countFleetErrors(db, filter),
  ]);
  const page = rows.slice(0, query.limit);
  return {
    errors: page.map(({ cursor: _, ...error }) => error),
    total,
    nextCursor: rows.length > query.limit ? page[page.length - 1].cursor : null,
  };
}

export function countOpenErrorTypes(db: Db) {
  return countOpenErrorsByType(db);
}

/**
 * Resolves every open error named in `request` with one note, in one
 * transaction with its audit entry. Unknown computers or errors and errors
 * already resolved are skipped and listed, never an error: a page that shows
 * a slightly old inbox still resolves what is left.
 */
export async function resolveErrorsInBulk(
  db: Db,
  request: BulkResolveRequest,
  actor: string,
  now = new Date(),
): Promise<BulkResolveResponse> {
  const seen = new Set<string>();
  const keys: ErrorKey[] = [];
  const skipped: BulkResolveResponse["skipped"] = [];
  for (const key of request.errors) {
    const id = `${key.computer_id}\n${key.error_id}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (UUID.test(key.computer_id)) {
      keys.push({ ...key, computer_id: key.computer_id.toLowerCase() });
    } else skipped.push({ ...key, reason: "not_found" });
  }
  const notes = request.resolution_notes?.trim() || null;
  return await db.transaction(async (tx) => {
    const done = keys.length === 0
      ? { resolved: [], alreadyResolved: [] }
      : await resolveFleetErrors(tx, keys, { notes, by: actor, at: now });
    const state = new Map<string, "resolved" | "already_resolved">();
    for (const k of done.resolved) state.set(`${k.computer_id}\n${k.error_id}`, "resolved");
    for (const k of done.alreadyResolved) {
      state.set(`${k.computer_id}\n${k.error_id}`, "already_resolved");
    }
    for (const key of keys) {
      const s = state.get(`${key.computer_id}\n${key.error_id}`);
      if (s !== "resolved") skipped.push({ ...key, reason: s ?? "not_found" });
    }
    if (done.resolved.length > 0) {
      await recordAudit(tx, {
        actor,
        action: AUDIT_ACTIONS.errorResolve,
        target_type: "errors",
        details: {
          count: done.resolved.length,
          errors: done.resolved.slice(0, 100),
          resolution_notes: notes,
        },
      });
    }
    return { resolved: done.resolved.length, skipped };
  });
}
