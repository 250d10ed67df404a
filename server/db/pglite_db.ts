/** The Db adapter for the embedded database: PGlite (Postgres in WASM) under DATA_DIR. */
import { PGlite } from "@electric-sql/pglite";
import type { Db, Queryable, Row } from "./db.ts";

/** Opens (or creates) the embedded database in `dir`; `null` keeps it in memory. */
export async function openPgliteDb(dir: string | null): Promise<Db> {
  const pg = dir === null ? new PGlite() : new PGlite(dir);
  await pg.waitReady;
  const listeners = new Map<string, Set<(payload: string) => void>>();
  // PGlite runs one statement at a time; a transaction holds it until it ends.
  return {
    kind: "pglite",
    async query<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
      const result = await pg.query<T>(sql, params);
      return result.rows;
    },
    async exec(sql: string): Promise<void> {
      await pg.exec(sql);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return pg.transaction((tx) =>
        fn({
          async query<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
            return (await tx.query<R>(sql, params)).rows;
          },
          async exec(sql: string): Promise<void> {
            await tx.exec(sql);
          },
        })
      );
    },
    listen(channel, onMessage) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, set = new Set());
      set.add(onMessage);
      return Promise.resolve(() => {
        set.delete(onMessage);
        return Promise.resolve();
      });
    },
    notify(channel, payload) {
      for (const fn of listeners.get(channel) ?? []) queueMicrotask(() => fn(payload));
      return Promise.resolve();
    },
    async close() {
      await pg.close();
    },
  };
}
