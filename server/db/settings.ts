/** Data access for server-generated settings shared by every instance on one database. */
import type { Queryable } from "./db.ts";

/** Returns the stored value for `key`, storing `candidate` first when none exists (race-safe). */
export async function getOrCreateSetting(
  db: Queryable,
  key: string,
  candidate: string,
): Promise<string> {
  await db.query(
    "INSERT INTO server_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    [key, candidate],
  );
  const rows = await db.query<{ value: string }>(
    "SELECT value FROM server_settings WHERE key = $1",
    [key],
  );
  return rows[0].value;
}

/** The stored value for `key`, or null. */
export async function getSetting(db: Queryable, key: string): Promise<string | null> {
  const rows = await db.query<{ value: string }>(
    "SELECT value FROM server_settings WHERE key = $1",
    [key],
  );
  return rows[0]?.value ?? null;
}

/** Stores `value` under `key`, replacing what was there. */
export async function putSetting(db: Queryable, key: string, value: string): Promise<void> {
  await db.query(
    `INSERT INTO server_settings (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    [key, value],
  );
}
