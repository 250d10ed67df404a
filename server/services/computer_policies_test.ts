/**
 * ComputerPolicies reads the policies it has not cached in batches: the fleet's
 * first checks after a start or a stampede cost a few statements, not one per
 * computer (issue 17, item 5), and each caller still gets its own computer's
 * policy (or null for an unknown id).
 */
import assert from "node:assert/strict";
import { insertComputer } from "../db/computers.ts";
import { migrate } from "../db/migrate.ts";
import { openPgliteDb } from "../db/pglite_db.ts";
import { ComputerPolicies } from "./computer_policies.ts";

Deno.test("ComputerPolicies: 300 uncached policies at once take a few statements, each answer its own", async () => {
  const db = await openPgliteDb(null);
  try {
    await migrate(db);
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const row = await insertComputer(db, {
        agentId: crypto.randomUUID(),
        tokenHash: "00".repeat(32),
        hostname: `pc-${i}`,
        os: "windows",
        agentVersion: "1.0.0",
        group: i % 2 === 0 ? "even" : "odd",
      });
      ids.push(String((row as { id: unknown }).id));
    }
    const policies = new ComputerPolicies(db);
    const unknown = crypto.randomUUID();
    const answers = await Promise.all([...ids, unknown].map((id) => policies.get(id)));
    ids.forEach((id, i) => {
      assert.equal(answers[i]?.id, id);
      assert.equal(answers[i]?.group, i % 2 === 0 ? "even" : "odd");
    });
    assert.equal(answers[300], null);
    // The 4 lanes start on the first ids as they come; the rest gather into one statement.
    const statements = policies.loadStatements;
    assert.ok(statements <= 5, `${statements} statements for 301 policies`);
    // Cached now: no statement.
    await policies.get(ids[0]);
    assert.equal(policies.loadStatements, statements);
  } finally {
    await db.close();
  }
});

Deno.test("ComputerPolicies: a read under way when the computer changes answers but is not kept", async () => {
  const db = await openPgliteDb(null);
  try {
    await migrate(db);
    const row = await insertComputer(db, {
      agentId: crypto.randomUUID(),
      tokenHash: "00".repeat(32),
      hostname: "pc",
      os: "windows",
      agentVersion: "1.0.0",
      group: "default",
    });
    const id = String((row as { id: unknown }).id);
    const policies = new ComputerPolicies(db);
    // The read may return the row from before the change: caching it would hide the change
    // until the entry expires.
    const reading = policies.get(id);
    policies.invalidate(id);
    assert.equal((await reading)?.id, id);
    assert.equal(policies.getNow(id), undefined, "not cached");
    // A read with no change under way is kept.
    await policies.get(id);
    assert.equal(policies.getNow(id)?.id, id);
  } finally {
    await db.close();
  }
});
