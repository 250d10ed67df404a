/**
 * A computer as the admin API shows it: its row and whether it is online (the
 * hub's view). Every route that answers with a computer shapes it here.
 */
import type { ComputerSummary } from "../../protocol/mod.ts";
import { type ComputerRow, findComputerById } from "../db/computers.ts";
import type { Db } from "../db/db.ts";
import { HttpError } from "../errors.ts";

/** Who is online: the agent hub, or a stand-in in tests. */
export interface OnlineView {
  isOnline(computerId: string): boolean;
}

export function toComputerSummary(row: ComputerRow, online: boolean): ComputerSummary {
  return {
    id: row.id,
    agent_id: row.agent_id,
    hostname: row.hostname,
    os: row.os,
    agent_version: row.agent_version,
    last_seen_at: row.last_seen_at,
    online,
    have_active_errors: row.have_active_errors,
    active_error_count: row.active_error_count,
    group: row.group,
    pinned_version: row.pinned_version,
    updates_paused: row.updates_paused,
    download_limit_kbps: row.download_limit_kbps,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The computer `id`, or a 404. */
export async function getComputer(
  deps: { db: Db; hub: OnlineView },
  id: string,
): Promise<ComputerSummary> {
  const row = await findComputerById(deps.db, id);
  if (!row) throw new HttpError(404, "not_found", `Computer "${id}" not found`);
  return toComputerSummary(row, deps.hub.isOnline(row.id));
}
