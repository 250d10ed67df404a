/**
 * The messages between the embedded database's adapter (`pglite_db.ts`, on the
 * server's thread) and its worker (`pglite_worker.ts`, where PGlite runs). One
 * worker per process holds every embedded database the process opens (the
 * server opens one; a test file opens many, and they share the cost of loading
 * PGlite). Every request carries an id that its one reply repeats, and names
 * its database. A transaction is a worker-side session: `begin` opens it and
 * answers its id, queries name it in `tx` (0: outside any transaction), `end`
 * commits or rolls it back; other work on that database waits in the worker
 * until it ends, as PGlite itself does.
 */

/**
 * PGlite's compiled WebAssembly and its file bundle. The first database a process opens
 * compiles them in the worker and hands them back; later opens pass them in, so a new
 * worker (after the last database was closed) does not compile again.
 */
export interface PgliteModules {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
}

export type WorkerRequest =
  | { op: "open"; id: number; db: number; dir: string | null; modules: PgliteModules | null }
  | { op: "query"; id: number; db: number; tx: number; sql: string; params: unknown[] }
  | { op: "exec"; id: number; db: number; tx: number; sql: string }
  | { op: "begin"; id: number; db: number }
  | { op: "end"; id: number; db: number; tx: number; commit: boolean }
  | { op: "close"; id: number; db: number };

/** A query's rows, with its json/jsonb columns still as text (named in `json`). */
export interface QueryResult {
  rows: Record<string, unknown>[];
  json: string[];
}

/** Parses the json/jsonb columns of a worker's query result on the server's thread. */
export function parseJsonColumns({ rows, json }: QueryResult): Record<string, unknown>[] {
  if (json.length === 0) return rows;
  for (const row of rows) {
    for (const name of json) {
      const value = row[name];
      if (typeof value === "string") row[name] = JSON.parse(value);
    }
  }
  return rows;
}

/** An error as it crosses to the server's thread: its message and every plain field (`code`, `detail`, ...). */
export interface WireError {
  name: string;
  message: string;
  stack: string | undefined;
  fields: Record<string, string | number | boolean | null>;
}

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError };

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) {
    return { name: "Error", message: String(error), stack: undefined, fields: {} };
  }
  const fields: WireError["fields"] = {};
  for (const [key, value] of Object.entries(error)) {
    if (
      value === null || typeof value === "string" || typeof value === "number" ||
      typeof value === "boolean"
    ) fields[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

/**
 * Rebuilds an error on the server's thread with the same message and fields, so
 * whatever reads `error.code` (SQLSTATE: `23505` unique violation, `08...`
 * connection loss) sees what PGlite threw.
 */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  Object.assign(error, wire.fields);
  error.name = wire.name;
  if (wire.stack) error.stack = `${wire.stack}\n    at (the embedded database's worker)`;
  return error;
}
