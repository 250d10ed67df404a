/**
 * Forward-only migrations: the SQL files in `migrations/`, applied in name order,
 * each in its own transaction under a Postgres advisory lock so two instances
 * starting at once cannot both apply one. A database that has applied a
 * migration this code does not know is refused: it belongs to a newer server.
 */
import type { Db, Queryable } from "./db.ts";

export interface Migration {
  name: string;
  sql: string;
}

/** An arbitrary constant that identifies Hangar's migration lock. */
const MIGRATION_LOCK_KEY = 72_657_001;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/** Reads the migration files in `dir` (default: the repository's `migrations/`). */
export async function readMigrations(
  dir: URL = new URL("../../migrations/", import.meta.url),
): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && /^\d{4}_[a-z0-9_]+\.sql$/.test(entry.name)) {
      migrations.push({ name: entry.name, sql: await Deno.readTextFile(new URL(entry.name, dir)) });
    }
  }
  return migrations.sort((a, b) => a.name.localeCompare(b.name));
}

async function lockAndReadApplied(tx: Queryable): Promise<Set<string>> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
  await tx.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       name text PRIMARY KEY,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const rows = await tx.query<{ name: string }>("SELECT name FROM schema_migrations");
  return new Set(rows.map((r) => r.name));
}

/**
 * Applies every migration not applied yet and returns the names it applied.
 * Throws MigrationError when the database knows migrations the code does not.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<string[]> {
  const known = migrations ?? await readMigrations();
  const knownNames = new Set(known.map((m) => m.name));
  const applied: string[] = [];
  for (const migration of known) {
    const didApply = await db.transaction(async (tx) => {
      const done = await lockAndReadApplied(tx);
      const unknown = [...done].filter((name) => !knownNames.has(name));
      if (unknown.length > 0) {
        throw new MigrationError(
          `The database has migrations this server does not know (${
            unknown.sort().join(", ")
          }): it was upgraded by a newer Hangar. Run that version instead.`,
        );
      }
      if (done.has(migration.name)) return false;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (name) VALUES ($1)", [migration.name]);
      return true;
    });
    if (didApply) applied.push(migration.name);
  }
  return applied;
}
