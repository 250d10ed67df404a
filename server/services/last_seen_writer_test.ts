import assert from "node:assert/strict";
import type { Db } from "../db/db.ts";
import { silentLogger } from "../log.ts";
import { makeTestApp, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";
import { LastSeenWriter } from "./last_seen_writer.ts";

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `LastSeenWriter writes many computers in one statement per batch (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const agents = [];
      for (let i = 0; i < 5; i++) agents.push(await h.registerAgent(`pc-${i}`));
      await h.db.query("UPDATE computers SET last_seen_at = NULL");
      let statements = 0;
      const db = Object.create(h.db) as Db;
      db.query = (sql, params) => {
        statements++;
        return h.db.query(sql, params);
      };
      const writer = new LastSeenWriter(db, silentLogger, { intervalMs: 60_000, batchSize: 2 });
      for (const agent of agents) writer.seen(agent.computerId);
      writer.seen(agents[0].computerId, "1.2.0"); // seen twice: written once, with its version
      assert.equal(writer.pending, 5);
      await writer.flush();
      assert.equal(statements, 3, "5 computers in batches of 2");
      const rows = await h.db.query<{ last_seen_at: unknown; agent_version: string }>(
        "SELECT last_seen_at, agent_version FROM computers ORDER BY hostname",
      );
      assert.ok(rows.every((row) => row.last_seen_at !== null));
      assert.deepEqual(rows.map((row) => row.agent_version), [
        "1.2.0",
        "1.0.0",
        "1.0.0",
        "1.0.0",
        "1.0.0",
      ]);
      await writer.stop();
    },
  });
}

Deno.test("LastSeenWriter keeps a failed batch queued and writes it once the database is back", async () => {
  await using h = await makeTestApp();
  const agent = await h.registerAgent();
  await h.db.query("UPDATE computers SET last_seen_at = NULL");
  let down = true;
  const db = Object.create(h.db) as Db;
  db.query = (sql, params) =>
    down ? Promise.reject(new Error("connection refused")) : h.db.query(sql, params);
  const writer = new LastSeenWriter(db, silentLogger, { intervalMs: 60_000 });
  writer.seen(agent.computerId, "1.1.0");
  await assert.rejects(writer.flush(), /connection refused/);
  assert.equal(writer.pending, 1, "nothing is lost while the database is away");
  down = false;
  await writer.flush();
  assert.equal(writer.pending, 0);
  const [row] = await h.db.query<{ last_seen_at: unknown; agent_version: string }>(
    "SELECT last_seen_at, agent_version FROM computers",
  );
  assert.notEqual(row.last_seen_at, null);
  assert.equal(row.agent_version, "1.1.0");
  await writer.stop();
});
