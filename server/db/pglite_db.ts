/**
 * The Db adapter for the embedded database: PGlite (Postgres in WASM) under
 * DATA_DIR. PGlite runs in a Web Worker (`pglite_worker.ts`) so that its
 * statements, which are CPU work in WASM, run beside the server's event loop
 * rather than on it (issue 17, item 5); this thread only posts each statement
 * and receives its rows. A transaction holds a session in the worker (BEGIN
 * there, each of its statements sent as it comes, then COMMIT or ROLLBACK), so
 * its callback may do other work between statements, as with PostgreSQL.
 * Errors come back with their fields (`code` etc.), see `pglite_protocol.ts`.
 * One worker serves every embedded database of the process; it stops when the
 * last one is closed.
 */
import type { Db, Queryable, Row } from "./db.ts";
import {
  fromWireError,
  parseJsonColumns,
  type PgliteModules,
  type QueryResult,
  toWireError,
  type WorkerReply,
  type WorkerRequest,
} from "./pglite_protocol.ts";

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Work sent to a stopped worker fails like a lost connection (503 at the routes). */
function closedError(message: string): Error {
  return Object.assign(new Error(message), { code: "CONNECTION_ENDED" });
}

class SharedWorker {
  readonly #worker = new Worker(new URL("./pglite_worker.ts", import.meta.url), {
    type: "module",
  });
  readonly #calls = new Map<number, Pending>();
  #nextId = 1;
  #dead: Error | null = null;
  /** Databases opened (or being opened) and not closed yet. */
  users = 0;

  constructor(onDead: () => void) {
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const call = this.#calls.get(reply.id);
      if (!call) return;
      this.#calls.delete(reply.id);
      if (reply.ok) call.resolve(reply.value);
      else call.reject(fromWireError(reply.error));
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const error = closedError(`The embedded database's worker stopped: ${event.message}`);
      console.error(error.message);
      onDead();
      this.stop(error);
    };
  }

  newId(): number {
    return this.#nextId++;
  }

  call<T>(request: WorkerRequest): Promise<T> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise<T>((resolve, reject) => {
      try {
        this.#worker.postMessage(request);
      } catch (error) {
        // Parameters that cannot be copied to the worker (a function, a symbol).
        reject(fromWireError(toWireError(error)));
        return;
      }
      this.#calls.set(request.id, { resolve: resolve as (value: unknown) => void, reject });
    });
  }

  stop(error: Error): void {
    this.#dead ??= error;
    for (const call of this.#calls.values()) call.reject(this.#dead);
    this.#calls.clear();
    this.#worker.terminate();
  }
}

let shared: SharedWorker | null = null;
let nextDb = 1;
let modules: PgliteModules | null = null;

function acquire(): SharedWorker {
  if (!shared) {
    const worker: SharedWorker = new SharedWorker(() => {
      if (shared === worker) shared = null;
    });
    shared = worker;
  }
  shared.users++;
  return shared;
}

function release(worker: SharedWorker): void {
  if (--worker.users > 0) return;
  if (shared === worker) shared = null;
  worker.stop(closedError("The embedded database is closed"));
}

/** Opens (or creates) the embedded database in `dir`; `null` keeps it in memory. */
export async function openPgliteDb(dir: string | null): Promise<Db> {
  const worker = acquire();
  const db = nextDb++;
  try {
    const compiled = await worker.call<PgliteModules | null>({
      op: "open",
      id: worker.newId(),
      db,
      dir,
      modules,
    });
    modules ??= compiled;
  } catch (error) {
    release(worker);
    throw error;
  }
  let closed: Promise<void> | null = null;
  const queryable = (tx: number): Queryable => ({
    query<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
      if (closed) return Promise.reject(closedError("The embedded database is closed"));
      return worker.call<QueryResult>({ op: "query", id: worker.newId(), db, tx, sql, params })
        .then((result) => parseJsonColumns(result) as T[]);
    },
    exec(sql: string): Promise<void> {
      if (closed) return Promise.reject(closedError("The embedded database is closed"));
      return worker.call<void>({ op: "exec", id: worker.newId(), db, tx, sql });
    },
  });
  const end = (tx: number, commit: boolean) =>
    worker.call<void>({ op: "end", id: worker.newId(), db, tx, commit });

  const listeners = new Map<string, Set<(payload: string) => void>>();
  const outside = queryable(0);
  return {
    kind: "pglite",
    query: outside.query,
    exec: outside.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      if (closed) throw closedError("The embedded database is closed");
      const tx = await worker.call<number>({ op: "begin", id: worker.newId(), db });
      let result: T;
      try {
        result = await fn(queryable(tx));
      } catch (error) {
        await end(tx, false).catch(() => {});
        throw error;
      }
      await end(tx, true);
      return result;
    },
    // One process, one database: notifications stay on this thread.
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
    close() {
      // The worker finishes what is under way, then PGlite shuts down cleanly (its files flushed).
      closed ??= worker.call<void>({ op: "close", id: worker.newId(), db }).finally(() =>
        release(worker)
      );
      return closed;
    },
  };
}
