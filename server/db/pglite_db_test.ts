/**
 * The embedded database's adapter, PGlite in a worker (issue 17, item 5):
 * what the server relies on survives the thread boundary — SQLSTATE codes on
 * errors, transactions that hold a session in the worker (commit, rollback,
 * isolation from statements outside), json of any depth (parsed on this side),
 * the data directory across a reopen, and a closed database answering like a
 * lost connection.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openPgliteDb } from "./pglite_db.ts";
import { isDatabaseUnavailable } from "./unavailable.ts";

function code(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

Deno.test("PGlite in its worker: errors keep their codes, transactions hold a session", async (t) => {
  const db = await openPgliteDb(null);
  try {
    await db.exec(
      "CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL, at timestamptz NOT NULL DEFAULT now(), n bigint)",
    );

    await t.step("rows come back typed (numbers, dates, null)", async () => {
      await db.query("INSERT INTO t (id, v, n) VALUES ($1, $2, $3)", [1, "one", 7]);
      const [row] = await db.query<{ id: number; at: Date; n: number }>("SELECT * FROM t");
      assert.equal(row.id, 1);
      assert.ok(row.at instanceof Date);
      assert.equal(row.n, 7);
    });

    await t.step("a unique violation is 23505 with its constraint", async () => {
      const error = await db.query("INSERT INTO t (id, v) VALUES (1, 'again')").then(
        () => null,
        (e) => e,
      );
      assert.ok(error instanceof Error);
      assert.equal(code(error), "23505");
      assert.equal((error as { constraint?: string }).constraint, "t_pkey");
      assert.match(error.message, /duplicate key/);
      assert.equal(isDatabaseUnavailable(error), false);
    });

    await t.step("a transaction commits its statements together", async () => {
      let seenOutside: unknown[] | null = null;
      let outside: Promise<unknown> | null = null;
      const count = await db.transaction(async (tx) => {
        await tx.query("INSERT INTO t (id, v) VALUES (2, 'two')");
        // Work on this thread between statements; a statement outside waits for the commit.
        outside = db.query("SELECT id FROM t WHERE id = 2").then((rows) => (seenOutside = rows));
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(seenOutside, null);
        const [row] = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM t");
        return row.n;
      });
      assert.equal(count, 2);
      await outside;
      assert.deepEqual(seenOutside, [{ id: 2 }]);
    });

    await t.step("a transaction whose callback throws is rolled back", async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO t (id, v) VALUES (3, 'three')");
          throw new Error("callback failed");
        }),
        /callback failed/,
      );
      assert.deepEqual(await db.query("SELECT id FROM t WHERE id = 3"), []);
    });

    await t.step("a failed statement inside a transaction keeps its code", async () => {
      const error = await db.transaction(async (tx) => {
        await tx.query("INSERT INTO t (id, v) VALUES (4, 'four')");
        await tx.query("INSERT INTO t (id, v) VALUES (4, 'four again')");
      }).then(() => null, (e) => e);
      assert.equal(code(error), "23505");
      assert.deepEqual(await db.query("SELECT id FROM t WHERE id = 4"), []);
    });

    await t.step("a swallowed error makes COMMIT fail (25P02), nothing kept", async () => {
      const error = await db.transaction(async (tx) => {
        await tx.query("INSERT INTO t (id, v) VALUES (5, 'five')");
        await tx.query("INSERT INTO t (id, v) VALUES (5, 'five')").catch(() => {});
      }).then(() => null, (e) => e);
      assert.equal(code(error), "25P02");
      assert.deepEqual(await db.query("SELECT id FROM t WHERE id = 5"), []);
    });

    await t.step("parameters that cannot be sent are refused, nothing hangs", async () => {
      await assert.rejects(db.query("SELECT $1::text", [() => 1]));
      assert.deepEqual(await db.query("SELECT 1 AS one"), [{ one: 1 }]);
    });

    await t.step("json nested 5,000 deep comes back, and the database goes on", async () => {
      // Such a value once crossed the thread as an object, overflowed the stack and stopped
      // the worker: every later statement of the server failed.
      const deepText = "[".repeat(5_000) + "]".repeat(5_000);
      const [row] = await db.query<{ j: unknown; b: unknown; plain: unknown }>(
        "SELECT $1::jsonb AS b, $1::json AS j, '{\"a\": [1, null]}'::jsonb AS plain",
        [deepText],
      );
      let depth = 0;
      for (let v = row.b; Array.isArray(v) && v.length > 0; v = v[0]) depth++;
      assert.equal(depth, 4_999);
      assert.ok(Array.isArray(row.j));
      assert.deepEqual(row.plain, { a: [1, null] });
      assert.deepEqual(await db.query("SELECT 2 AS two"), [{ two: 2 }]);
    });
  } finally {
    await db.close();
  }
  await t.step("a closed database answers like a lost connection", async () => {
    const error = await db.query("SELECT 1").then(() => null, (e) => e);
    assert.ok(isDatabaseUnavailable(error), String(error));
  });
});

Deno.test("PGlite in its worker: the data directory keeps what was committed across a reopen", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hangar-pglite-" });
  try {
    const first = await openPgliteDb(join(dir, "db"));
    try {
      await first.exec("CREATE TABLE kept (v text)");
      await first.transaction(async (tx) => {
        await tx.query("INSERT INTO kept VALUES ($1)", ["committed"]);
      });
    } finally {
      await first.close();
    }
    const second = await openPgliteDb(join(dir, "db"));
    try {
      assert.deepEqual(await second.query("SELECT v FROM kept"), [{ v: "committed" }]);
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
