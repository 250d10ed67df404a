/** The Db adapter for a real Postgres server, through postgres.js. */
import postgres from "postgres";
import type { Db, Queryable, Row } from "./db.ts";

type Sql = postgres.Sql | postgres.TransactionSql;

function queryable(sql: Sql): Queryable {
  return {
    async query<T extends Row = Row>(text: string, params: unknown[] = []): Promise<T[]> {
      const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
      return rows as unknown as T[];
    },
    async exec(text: string): Promise<void> {
      await sql.unsafe(text).simple();
    },
  };
}

/** Connects to `url`, checking the connection at once so a bad URL fails start-up. */
export async function openPostgresDb(url: string, options: { max?: number } = {}): Promise<Db> {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    // bigint columns come back as numbers: file sizes stay well under 2^53.
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
    },
  });
  await sql`select 1`;
  const base = queryable(sql);
  return {
    kind: "postgres",
    query: base.query,
    exec: base.exec,
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return sql.begin((tx) => fn(queryable(tx))) as Promise<T>;
    },
    async listen(channel, onMessage) {
      const sub = await sql.listen(channel, onMessage);
      return () => sub.unlisten();
    },
    async notify(channel, payload) {
      await sql.notify(channel, payload);
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
