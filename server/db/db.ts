/**
 * The one database interface the server uses. Two adapters implement it:
 * `postgres_db.ts` (a real server through postgres.js) and `pglite_db.ts`
 * (embedded Postgres in WASM under DATA_DIR). SQL uses `$1` placeholders.
 * JSON goes in as a string with a `$1::text::jsonb` cast: postgres.js would
 * otherwise encode a string for a jsonb parameter as a JSON string scalar.
 */

export type Row = Record<string, unknown>;

/** Something that runs parameterised SQL: the database or an open transaction. */
export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  /** "postgres" for a real server, "pglite" for the embedded one. */
  readonly kind: "postgres" | "pglite";
  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Listens on a Postgres NOTIFY channel. Only the real server crosses processes;
   * the embedded database has one process, so its channel is in-process.
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Sends a NOTIFY on `channel`. */
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Converts a timestamp column to an ISO string (both drivers give Date objects). */
export function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

/** Converts a nullable timestamp column to an ISO string or null. */
export function toIsoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toIso(value);
}
