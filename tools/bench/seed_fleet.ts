/**
 * Seeds a fleet straight through SQL (10,000 computers in well under a second on
 * PostgreSQL), for route tests, the browser tests and the bench. Computer i runs
 * `versions[i % versions.length]`; every 7th never connected (last_seen_at NULL);
 * every 13th has one open `UpdateDownloadFailed` error. Hostnames are `pc` + a padded number, with
 * every 5th upper-cased, so a case-insensitive sort and search are exercised.
 */
import { join } from "node:path";
import type { Queryable } from "../../server/db/db.ts";
import { openPgliteDb } from "../../server/db/pglite_db.ts";
import { openPostgresDb } from "../../server/db/postgres_db.ts";

export interface SeedOptions {
  count: number;
  versions: string[];
  /** Computer i is in `groups[i % groups.length]`; default `["default"]`. */
  groups?: string[];
  /** Added to the `pc` prefix so several seeds can share a database. */
  prefix?: string;
  /**
   * Then `VACUUM ANALYZE` both tables: the state autovacuum leaves them in a while
   * after a load (planner statistics, the visibility map, the trigram index's
   * pending list merged), so a measurement right after seeding neither races
   * autovacuum nor reads a table no real fleet is in for long.
   */
  vacuum?: boolean;
}

export async function seedFleet(db: Queryable, options: SeedOptions): Promise<void> {
  await db.query(
    `WITH added AS (
       INSERT INTO computers (agent_id, agent_token_hash, hostname, os, agent_version,
         last_seen_at, have_active_errors, "group")
       SELECT 'seed-' || $3 || i, 'seeded-no-token',
         CASE WHEN i % 5 = 0 THEN upper('pc' || $3 || lpad(i::text, 6, '0'))
              ELSE 'pc' || $3 || lpad(i::text, 6, '0') END,
         'windows', ($1::text[])[1 + i % cardinality($1::text[])],
         CASE WHEN i % 7 = 0 THEN NULL
              ELSE timestamptz '2026-12-01T00:00:00Z' - make_interval(mins => i) END,
         i % 13 = 0, ($4::text[])[1 + i % cardinality($4::text[])]
       FROM generate_series(1, $2::int) AS i
       RETURNING id, have_active_errors)
     INSERT INTO computer_errors (computer_id, id, error_type, error_message, error_details)
     SELECT id, gen_random_uuid()::text, 'UpdateDownloadFailed',
       'Download gave up after 5 attempts',
       jsonb_build_object('reason', 'idle', 'received_bytes', 1048576, 'expected_bytes', 52428800)
     FROM added WHERE have_active_errors`,
    [options.versions, options.count, options.prefix ?? "", options.groups ?? ["default"]],
  );
  if (options.vacuum) await db.query("VACUUM ANALYZE computers, computer_errors");
}

/**
 * Seeds the fleet of a running test server: straight into its PostgreSQL
 * database, or (embedded database) into its data dir while it is stopped.
 */
export async function seedServerFleet(
  server: {
    databaseUrl: string | null;
    dataDir: string;
    restart(fn: () => Promise<void>): Promise<void>;
  },
  options: SeedOptions,
): Promise<void> {
  if (server.databaseUrl) {
    const db = await openPostgresDb(server.databaseUrl, { max: 1 });
    try {
      await seedFleet(db, options);
    } finally {
      await db.close();
    }
    return;
  }
  await server.restart(async () => {
    const db = await openPgliteDb(join(server.dataDir, "db"));
    try {
      await seedFleet(db, options);
    } finally {
      await db.close();
    }
  });
}
