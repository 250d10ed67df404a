import assert from "node:assert/strict";
import { migrate, MigrationError, readMigrations } from "./migrate.ts";
import { openPgliteDb } from "./pglite_db.ts";

Deno.test("migrate applies every migration once, in order, and nothing on a second run", async () => {
  const db = await openPgliteDb(null);
  try {
    const known = await readMigrations();
    assert.deepEqual(known.map((m) => m.name), [...known.map((m) => m.name)].sort());
    assert.deepEqual(await migrate(db), known.map((m) => m.name));
    assert.deepEqual(await migrate(db), []);
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const names = tables.map((t) => t.table_name);
    for (const table of ["admin_users", "computers", "agent_versions", "schema_migrations"]) {
      assert.ok(names.includes(table), `${table} exists`);
    }
  } finally {
    await db.close();
  }
});

Deno.test("migrate rolls back a failing migration and refuses a newer database", async () => {
  const db = await openPgliteDb(null);
  try {
    const good = { name: "0001_a.sql", sql: "CREATE TABLE a (id int);" };
    const bad = { name: "0002_b.sql", sql: "CREATE TABLE b (id int); SELECT no_such_function();" };
    await assert.rejects(() => migrate(db, [good, bad]));
    const b = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'b'");
    assert.equal(b.length, 0, "the failed migration left nothing behind");
    const applied = await db.query<{ name: string }>("SELECT name FROM schema_migrations");
    assert.deepEqual(applied.map((r) => r.name), ["0001_a.sql"]);

    await db.query("INSERT INTO schema_migrations (name) VALUES ('0003_future.sql')");
    await assert.rejects(() => migrate(db, [good]), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /0003_future\.sql/);
      return true;
    });
  } finally {
    await db.close();
  }
});
