/**
 * Start-up as an operator sees it. Starts real `server/main.ts` processes
 * (and, with DATABASE_URL, a fresh PostgreSQL database).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { readMigrations } from "../server/db/migrate.ts";
import { createTestDatabase, NO_POSTGRES } from "./helpers/postgres.ts";
import { startServer } from "./helpers/server_process.ts";
import { fileURLToPath } from "node:url";

const SERVER_MAIN = fileURLToPath(new URL("../server/main.ts", import.meta.url));

async function runUntilExit(env: Record<string, string>) {
  const dataDir = await Deno.makeTempDir({ prefix: "hangar-start-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", SERVER_MAIN],
      env: { DATA_DIR: dataDir, PORT: "0", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("server start-up stops with one line naming the variable when a setting is bad", async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: "abc" }, /^hangar: PORT: must be a whole number, got "abc"$/],
    [
      { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" },
      /^hangar: DATABASE_URL: cannot connect/,
    ],
    [{ DATABASE_URL: "http://example" }, /^hangar: DATABASE_URL: must start with postgres/],
  ];
  for (const [env, expected] of cases) {
    await t.step(Object.entries(env)[0].join("="), async () => {
      const { code, stderr } = await runUntilExit(env);
      assert.equal(code, 1);
      assert.equal(stderr.split("\n").length, 1, `one line, no stack trace: ${stderr}`);
      assert.match(stderr, expected);
    });
  }
});

Deno.test({
  name: "two servers started at once on one empty database both come up, migrations run once",
  ignore: NO_POSTGRES,
  async fn() {
    const db = await createTestDatabase();
    try {
      const [a, b] = await Promise.all([
        startServer({ env: { DATABASE_URL: db.url } }),
        startServer({ env: { DATABASE_URL: db.url } }),
      ]);
      try {
        const sql = postgres(db.url, { max: 1, onnotice: () => {} });
        const rows =
          await sql`SELECT name, count(*)::int AS n FROM schema_migrations GROUP BY name`;
        const admins = await sql`SELECT count(*)::int AS n FROM admin_users`;
        await sql.end();
        const known = (await readMigrations()).map((m) => m.name);
        assert.deepEqual(rows.map((r) => r.name).sort(), known);
        assert.ok(rows.every((r) => r.n === 1));
        assert.equal(admins[0].n, 1, "one first admin, not two");
        assert.equal(a.enrollmentToken, b.enrollmentToken, "instances share the enrollment token");
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    } finally {
      await db.drop();
    }
  },
});

Deno.test({
  name: "server refuses a database migrated by a newer Hangar",
  ignore: NO_POSTGRES,
  async fn() {
    const db = await createTestDatabase();
    try {
      const server = await startServer({ env: { DATABASE_URL: db.url } });
      await server.stop();
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      await sql`INSERT INTO schema_migrations (name) VALUES ('9999_from_the_future.sql')`;
      await sql.end();
      const { code, stderr } = await runUntilExit({ DATABASE_URL: db.url });
      assert.equal(code, 1);
      assert.match(stderr, /9999_from_the_future\.sql.*newer Hangar/);
    } finally {
      await db.drop();
    }
  },
});
