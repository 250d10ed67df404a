/**
 * Migration 0017's stored semver key and the computer list's count, on the
 * embedded database and on PostgreSQL (when DATABASE_URL is set): the faster
 * `hangar_semver_key` gives 0014's key for every kind of input, the generated
 * `agent_version_key` follows every write of `agent_version`, and
 * `X-Total-Count`'s count is exact up to a number of matches (or on a small
 * table) and a rounded estimate above.
 */
import assert from "node:assert/strict";
import semver from "semver";
import { seedFleet } from "../../tools/bench/seed_fleet.ts";
import { createTestDatabase, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";
import { decodeCursor, encodeCursor } from "../services/fleet.ts";
import { countComputers, listComputerPage, roundEstimate } from "./computer_list.ts";
import type { Db } from "./db.ts";
import { migrate } from "./migrate.ts";
import { openPgliteDb } from "./pglite_db.ts";
import { openPostgresDb } from "./postgres_db.ts";

/** Migration 0014's hangar_semver_key, verbatim: what 0017's must still answer. */
const KEY_0014 = `COALESCE(
    (SELECT ARRAY[m[1]::numeric, m[2]::numeric, m[3]::numeric,
                  CASE WHEN m[4] IS NULL THEN 1 ELSE 0 END]
       FROM regexp_match(v, '^(\\d+)\\.(\\d+)\\.(\\d+)(-[0-9A-Za-z.-]+)?') AS m),
    ARRAY[-1]::numeric[])`;

const INPUTS = [
  "1.2.3",
  "0.0.0",
  "1.10.0",
  "01.002.0003",
  "1.2.34-x",
  "1.2.3-",
  "1.2.3--",
  "1.2.3-_a",
  "1.2.3-+",
  "1.2.3-beta",
  "1.2.3-beta.1+build.7",
  "1.2.3+build.7",
  "1.2.3x-beta",
  "1.2.3.4",
  "1.2.3\n-a",
  "99999999999999999999999.0.0-rc.1",
  "1.2",
  "1..2.3",
  "x1.2.3",
  " 1.2.3",
  "",
  "١.٢.٣",
  "v1.2.3",
];

async function withDb(adapter: string, fn: (db: Db) => Promise<void>): Promise<void> {
  if (adapter === "pglite") {
    const db = await openPgliteDb(null);
    try {
      await migrate(db);
      await fn(db);
    } finally {
      await db.close();
    }
    return;
  }
  const database = await createTestDatabase();
  const db = await openPostgresDb(database.url, { max: 2 });
  try {
    await migrate(db);
    await fn(db);
  } finally {
    await db.close();
    await database.drop();
  }
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `migration 0017: the stored semver key and the capped count (${label})`,
    ignore,
    async fn(t) {
      await withDb(adapter, async (db) => {
        await t.step("hangar_semver_key answers 0014's key for every input", async () => {
          for (const v of INPUTS) {
            const [row] = await db.query<{ now: string | null; then: string | null }>(
              `SELECT hangar_semver_key($1)::text AS now,
                 (SELECT ${KEY_0014} FROM (SELECT $1::text AS v) input)::text AS then`,
              [v],
            );
            assert.equal(row.now, row.then, JSON.stringify(v));
          }
        });

        await t.step("agent_version_key follows agent_version on insert and update", async () => {
          await seedFleet(db, { count: 40, versions: ["1.10.0", "1.9.0", "2.0.0-rc.1", "2.0.0"] });
          await db.query(
            `UPDATE computers SET agent_version = '1.2.3-beta.1' WHERE hostname = 'pc000001'`,
          );
          const rows = await db.query<{ v: string; stored: string; computed: string }>(
            `SELECT agent_version AS v, agent_version_key::text AS stored,
               hangar_semver_key(agent_version)::text AS computed FROM computers`,
          );
          assert.equal(rows.length, 40);
          for (const row of rows) assert.equal(row.stored, row.computed, row.v);
          const ordered = await db.query<{ v: string }>(
            `SELECT DISTINCT agent_version_key, agent_version AS v FROM computers
             ORDER BY agent_version_key, agent_version`,
          );
          const versions = ordered.map((r) => r.v);
          assert.deepEqual(versions, [...versions].sort(semver.compare));
          assert.ok(versions.includes("1.2.3-beta.1"));
        });

        await t.step("a version that is not semver sorts last, and paging passes it", async () => {
          await db.query(
            `UPDATE computers SET agent_version = 'legacy-build' WHERE hostname = 'pc000002'`,
          );
          const all = await listComputerPage(db, {}, { sort: "agent_version", desc: false });
          assert.equal(all[all.length - 1].agent_version, "legacy-build");
          const seen: string[] = [];
          for (const desc of [false, true]) {
            let after: string[] | undefined;
            const ids: string[] = [];
            for (let i = 0; i < 100; i++) {
              const page = await listComputerPage(db, {}, {
                sort: "agent_version",
                desc,
                limit: 4,
                after,
              });
              ids.push(...page.map((row) => row.id));
              if (page.length < 4) break;
              // Through the cursor the API hands out and reads back.
              after = decodeCursor(
                "agent_version",
                encodeCursor("agent_version", page[page.length - 1].cursor),
              );
            }
            assert.deepEqual(
              ids,
              (desc ? [...all].reverse() : all).map((row) => row.id),
              desc ? "desc" : "asc",
            );
            seen.push(desc ? "desc" : "asc");
          }
          assert.deepEqual(seen, ["asc", "desc"]);
        });

        // Small limits, so a small fleet (3,000 computers, 60-80 pages) takes each path.
        const limits = { exactUpTo: 100, exactTablePages: 8, samplePages: 16 };

        await t.step(
          "the count is exact up to exactUpTo matches, and on a small table",
          async () => {
            await db.query("DELETE FROM computers");
            await seedFleet(db, {
              count: 3_000,
              versions: ["1.0.0", "1.1.0", "1.2.0"],
              groups: ["canary", "office"],
            });
            assert.deepEqual(await countComputers(db, { search: "PC0010" }, limits), {
              total: 100,
              estimated: false,
            });
            assert.deepEqual(
              await countComputers(db, { version: "1.1.0" }, { ...limits, exactTablePages: 1000 }),
              { total: 1_000, estimated: false },
            );
            assert.deepEqual(await countComputers(db, { group: "office" }), {
              total: 1_500,
              estimated: false,
            });
          },
        );

        await t.step(
          "above it, on a larger table, an estimate: rounded, flagged, stable",
          async () => {
            const count = await countComputers(db, { group: "office" }, limits);
            assert.equal(count.estimated, true);
            assert.equal(count.total, roundEstimate(count.total));
            assert.ok(
              count.total >= 1_000 && count.total <= 2_000,
              `estimated ${count.total} of 1,500`,
            );
            assert.deepEqual(await countComputers(db, { group: "office" }, limits), count);
            const none = await countComputers(db, { version: "9.9.9" }, limits);
            assert.deepEqual(none, { total: 0, estimated: false });
            const few = await countComputers(db, { search: "pc00" }, { ...limits, exactUpTo: 5 });
            assert.ok(few.estimated && few.total >= 5, JSON.stringify(few));
          },
        );
      });
    },
  });
}

Deno.test("roundEstimate keeps two significant figures", () => {
  assert.deepEqual(
    [10_001, 48_213, 48_500, 99_999, 100_000, 123_456].map(roundEstimate),
    [10_000, 48_000, 49_000, 100_000, 100_000, 120_000],
  );
});
