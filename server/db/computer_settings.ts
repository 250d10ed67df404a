/**
 * Data access for what an admin sets on a computer (group, pin, pause,
 * download limit), the per-computer view check_update needs, and deletion.
 */
import type { ComputerPatch } from "../../protocol/mod.ts";
import type { Queryable } from "./db.ts";

/** What check_update needs to know about one computer. */
export type ComputerPolicy = {
  id: string;
  group: string;
  pinned_version: string | null;
  updates_paused: boolean;
  download_limit_kbps: number | null;
  agent_version: string;
};

const POLICY_COLUMNS = `id::text AS id, "group", pinned_version, updates_paused,
  download_limit_kbps, agent_version`;

/** The SQL column of each patchable field ("group" is a keyword, so it is quoted). */
const PATCH_COLUMNS: Record<keyof ComputerPatch, string> = {
  group: `"group"`,
  pinned_version: "pinned_version",
  updates_paused: "updates_paused",
  download_limit_kbps: "download_limit_kbps",
};

/** Applies the fields present in `patch`; returns false for an unknown computer. */
export async function updateComputerSettings(
  db: Queryable,
  id: string,
  patch: ComputerPatch,
): Promise<boolean> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [key, column] of Object.entries(PATCH_COLUMNS)) {
    const value = patch[key as keyof ComputerPatch];
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  const rows = await db.query(
    `UPDATE computers SET ${sets.join(", ")}, updated_at = now() WHERE id::text = $1 RETURNING id`,
    params,
  );
  return rows.length === 1;
}

/** Deletes a computer (its attempts go with it); returns its agent id and hostname, or null. */
export async function deleteComputer(
  db: Queryable,
  id: string,
): Promise<{ agent_id: string; hostname: string } | null> {
  const rows = await db.query<{ agent_id: string; hostname: string }>(
    "DELETE FROM computers WHERE id::text = $1 RETURNING agent_id, hostname",
    [id],
  );
  return rows[0] ?? null;
}

export async function findComputerPolicy(
  db: Queryable,
  id: string,
): Promise<ComputerPolicy | null> {
  const rows = await db.query<ComputerPolicy>(
    `SELECT ${POLICY_COLUMNS} FROM computers WHERE id::text = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** The policies of `ids` (unknown ids are left out); all computers when `ids` is null. */
export async function listComputerPolicies(
  db: Queryable,
  ids: string[] | null,
): Promise<ComputerPolicy[]> {
  if (ids === null) {
    return await db.query<ComputerPolicy>(`SELECT ${POLICY_COLUMNS} FROM computers`);
  }
  if (ids.length === 0) return [];
  return await db.query<ComputerPolicy>(
    `SELECT ${POLICY_COLUMNS} FROM computers WHERE id::text = ANY($1::text[])`,
    [ids],
  );
}
