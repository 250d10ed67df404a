/** Batched `last_seen_at` (and reported version) writes for many computers at once. */
import type { Queryable } from "./db.ts";

export interface SeenComputer {
  id: string;
  /** ISO time the computer was seen. */
  seen_at: string;
  /** The version it reported, or null to keep the stored one. */
  agent_version: string | null;
}

/**
 * One UPDATE for the whole batch. `last_seen_at` never moves back (another
 * instance may have written a later time); `updated_at` changes with the version.
 */
export async function touchComputers(db: Queryable, seen: SeenComputer[]): Promise<void> {
  if (seen.length === 0) return;
  await db.query(
    `UPDATE computers c SET
       last_seen_at = GREATEST(c.last_seen_at, v.seen_at),
       agent_version = COALESCE(v.agent_version, c.agent_version),
       updated_at = CASE WHEN v.agent_version IS NOT NULL AND v.agent_version <> c.agent_version
                         THEN now() ELSE c.updated_at END
     FROM jsonb_to_recordset($1::text::jsonb) AS v(id uuid, seen_at timestamptz, agent_version text)
     WHERE c.id = v.id`,
    [JSON.stringify(seen)],
  );
}
