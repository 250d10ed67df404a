/**
 * A fresh database on the PostgreSQL server named by DATABASE_URL, for tests
 * that need a real server. Without DATABASE_URL those tests are skipped.
 */
import postgres from "postgres";

export const POSTGRES_URL = Deno.env.get("DATABASE_URL") ?? "";
/** Use as `ignore:` in Deno.test: true when no real PostgreSQL is configured. */
export const NO_POSTGRES = POSTGRES_URL === "";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates an empty database next to DATABASE_URL's and returns its URL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (NO_POSTGRES) throw new Error("DATABASE_URL is not set");
  const name = `hangar_t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const sql = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end();
      }
    },
  };
}
