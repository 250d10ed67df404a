/** Data access for admin users. */
import type { Queryable } from "./db.ts";

export interface AdminUserRow {
  id: string;
  username: string;
  password_hash: string;
  role: string;
}

export async function findAdminByUsername(
  db: Queryable,
  username: string,
): Promise<AdminUserRow | null> {
  const rows = await db.query<Record<string, unknown>>(
    "SELECT id, username, password_hash, role FROM admin_users WHERE username = $1",
    [username],
  );
  return (rows[0] as unknown as AdminUserRow | undefined) ?? null;
}

export async function countAdmins(db: Queryable): Promise<number> {
  const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM admin_users");
  return rows[0].n;
}

/** Inserts an admin unless the username exists; returns whether it inserted. */
export async function insertAdmin(
  db: Queryable,
  username: string,
  passwordHash: string,
  role = "admin",
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO admin_users (username, password_hash, role) VALUES ($1, $2, $3)
     ON CONFLICT (username) DO NOTHING RETURNING id`,
    [username, passwordHash, role],
  );
  return rows.length === 1;
}
