/** Chooses the database adapter: a real server for DATABASE_URL, else PGlite under DATA_DIR. */
import { join } from "node:path";
import type { Config } from "../config.ts";
import { ConfigError } from "../config.ts";
import type { Db } from "./db.ts";
import { openPgliteDb } from "./pglite_db.ts";
import { openPostgresDb } from "./postgres_db.ts";

export async function openDb(config: Config): Promise<Db> {
  if (config.databaseUrl) {
    try {
      return await openPostgresDb(config.databaseUrl);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError("DATABASE_URL", `cannot connect: ${reason}`);
    }
  }
  await Deno.mkdir(config.dataDir, { recursive: true });
  return await openPgliteDb(join(config.dataDir, "db"));
}
