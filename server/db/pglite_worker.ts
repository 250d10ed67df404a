/**
 * The embedded database's worker: PGlite (Postgres in WASM) runs here, on its
 * own thread, so its statements never hold the server's event loop (issue 17,
 * item 5). Started by `pglite_db.ts`; speaks `pglite_protocol.ts`.
 */
import { PGlite, type Transaction, types } from "@electric-sql/pglite";
import {
  type PgliteModules,
  type QueryResult,
  toWireError,
  type WorkerReply,
  type WorkerRequest,
} from "./pglite_protocol.ts";

/**
 * json and jsonb leave the worker as their text and are parsed on the server's
 * thread: a value nested thousands deep (stored before the server refused such
 * reports) parses there, but copying it as an object between threads overflows
 * the stack and would stop the worker, and with it the database.
 */
const JSON_TYPES = new Set<number>([types.JSON, types.JSONB]);
const keepText = (text: string) => text;
const JSON_AS_TEXT = { [types.JSON]: keepText, [types.JSONB]: keepText };

interface Scope {
  postMessage(message: WorkerReply): void;
  addEventListener(type: "message", listener: (event: MessageEvent<WorkerRequest>) => void): void;
}
const scope = globalThis as unknown as Scope;

interface Session {
  tx: Transaction;
  /** Resolved by `end` with whether to commit. */
  end: (commit: boolean) => void;
  /** The id of the `end` request, answered once COMMIT or ROLLBACK ran. */
  endId: number;
}

interface Database {
  pg: PGlite;
  sessions: Map<number, Session>;
  /** Requests under way, so `close` waits for them before shutting PGlite down. */
  pending: Set<Promise<unknown>>;
}

const databases = new Map<number, Database>();

function post(id: number, outcome: { value: unknown } | { error: unknown }): void {
  if ("error" in outcome) {
    scope.postMessage({ id, ok: false, error: toWireError(outcome.error) });
    return;
  }
  try {
    scope.postMessage({ id, ok: true, value: outcome.value });
  } catch (error) {
    // A value that cannot be copied to the server's thread fails this one
    // statement, not the worker (an uncaught error here would stop every database).
    const wire = toWireError(error);
    wire.message = `The embedded database could not hand over a result: ${wire.message}`;
    scope.postMessage({ id, ok: false, error: wire });
  }
}

async function runQuery(on: PGlite | Transaction, sql: string, params: unknown[]) {
  const result = await on.query<Record<string, unknown>>(sql, params);
  const json = result.fields.filter((field) => JSON_TYPES.has(field.dataTypeID))
    .map((field) => field.name);
  return { rows: result.rows, json } satisfies QueryResult;
}

function track(database: Database, work: Promise<unknown>): void {
  database.pending.add(work);
  work.finally(() => database.pending.delete(work));
}

function reply(database: Database, id: number, work: Promise<unknown>): void {
  track(database, work.then((value) => post(id, { value }), (error) => post(id, { error })));
}

function runner(database: Database, tx: number): PGlite | Transaction {
  if (tx === 0) return database.pg;
  const session = database.sessions.get(tx);
  if (!session) throw new Error("Transaction is closed");
  return session.tx;
}

/** Opens a transaction that stays open until `end` names it; answers `begin` once BEGIN ran. */
function begin(database: Database, id: number): void {
  let opened = false;
  const done = database.pg.transaction(async (tx) => {
    const commit = await new Promise<boolean>((end) => {
      database.sessions.set(id, { tx, end, endId: 0 });
      opened = true;
      post(id, { value: id });
    });
    if (!commit) await tx.rollback();
  });
  const finish = (outcome: { value: unknown } | { error: unknown }) => {
    const endId = database.sessions.get(id)?.endId ?? 0;
    database.sessions.delete(id);
    // BEGIN failed (never opened), or COMMIT/ROLLBACK ran (the answer to `end`).
    if (!opened) post(id, outcome);
    else if (endId) post(endId, outcome);
  };
  track(database, done.then(() => finish({ value: null }), (error) => finish({ error })));
}

function end(database: Database, id: number, tx: number, commit: boolean): void {
  const session = database.sessions.get(tx);
  if (!session) return post(id, { error: new Error("Transaction is closed") });
  session.endId = id;
  session.end(commit);
}

/** Compiles PGlite's WebAssembly from the package's own files (what PGlite would do itself). */
async function compileModules(): Promise<PgliteModules | null> {
  try {
    const dist = import.meta.resolve("@electric-sql/pglite");
    const read = (name: string) => Deno.readFile(new URL(name, dist));
    const [pglite, initdb, bundle] = await Promise.all(
      ["pglite.wasm", "initdb.wasm", "pglite.data"].map(read),
    );
    return {
      pgliteWasmModule: await WebAssembly.compile(pglite),
      initdbWasmModule: await WebAssembly.compile(initdb),
      fsBundle: new Blob([bundle]),
    };
  } catch {
    return null; // laid out otherwise: PGlite finds its files itself
  }
}

async function open(
  dir: string | null,
  given: PgliteModules | null,
): Promise<{ pg: PGlite; modules: PgliteModules | null }> {
  const modules = given ?? await compileModules();
  const pg = new PGlite({
    ...(dir === null ? {} : { dataDir: dir }),
    ...modules,
    parsers: JSON_AS_TEXT,
  });
  await pg.waitReady;
  return { pg, modules };
}

async function close(database: Database): Promise<void> {
  for (const session of database.sessions.values()) session.end(false);
  while (database.pending.size > 0) await Promise.allSettled([...database.pending]);
  await database.pg.close();
}

scope.addEventListener("message", (event) => {
  const message = event.data;
  if (message.op === "open") {
    open(message.dir, message.modules).then(
      ({ pg, modules }) => {
        databases.set(message.db, { pg, sessions: new Map(), pending: new Set() });
        post(message.id, { value: message.modules ? null : modules });
      },
      (error) => post(message.id, { error }),
    );
    return;
  }
  const database = databases.get(message.db);
  if (!database) {
    const error = Object.assign(new Error("The embedded database is closed"), {
      code: "CONNECTION_ENDED",
    });
    return post(message.id, { error });
  }
  switch (message.op) {
    case "query": {
      const { tx, sql, params } = message;
      reply(
        database,
        message.id,
        (async () => await runQuery(runner(database, tx), sql, params))(),
      );
      break;
    }
    case "exec": {
      const { tx, sql } = message;
      reply(database, message.id, (async () => void await runner(database, tx).exec(sql))());
      break;
    }
    case "begin":
      begin(database, message.id);
      break;
    case "end":
      end(database, message.id, message.tx, message.commit);
      break;
    case "close":
      databases.delete(message.db);
      close(database).then(
        () => post(message.id, { value: null }),
        (error) => post(message.id, { error }),
      );
      break;
  }
});
