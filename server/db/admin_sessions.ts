/** Data access for admin sessions (the server-side record behind a session token). */
import { type Queryable, toIso, toIsoOrNull } from "./db.ts";

export interface AdminSessionRow {
  id: string;
  user_id: string;
  username: string;
  /** The user's role now, not when the session began. */
  role: string;
  expires_at: string;
  revoked_at: string | null;
}

/** Starts a session for `userId` that ends at `expiresAt`; returns its id. */
export async function insertAdminSession(
  db: Queryable,
  userId: string,
  expiresAt: Date,
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    "INSERT INTO admin_sessions (user_id, expires_at) VALUES ($1, $2) RETURNING id::text AS id",
    [userId, expiresAt.toISOString()],
  );
  return rows[0].id;
}

/** The session with its user's current name and role; null when it or the user is gone. */
export async function findAdminSession(
  db: Queryable,
  id: string,
): Promise<AdminSessionRow | null> {
  const rows = await db.query(
    `SELECT s.id::text AS id, u.id::text AS user_id, u.username, u.role, s.expires_at, s.revoked_at
     FROM admin_sessions s JOIN admin_users u ON u.id = s.user_id
     WHERE s.id = $1::uuid`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    ...(row as unknown as AdminSessionRow),
    expires_at: toIso(row.expires_at),
    revoked_at: toIsoOrNull(row.revoked_at),
  };
}

/** Revokes a session (sign-out); true when it was active. */
export async function revokeAdminSession(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE admin_sessions SET revoked_at = now()
     WHERE id = $1::uuid AND revoked_at IS NULL RETURNING id`,
    [id],
  );
  return rows.length === 1;
}

/** Deletes sessions that ended more than a day ago (they can never be used again). */
export async function deleteOldAdminSessions(db: Queryable): Promise<void> {
  await db.query("DELETE FROM admin_sessions WHERE expires_at < now() - interval '1 day'");
}
