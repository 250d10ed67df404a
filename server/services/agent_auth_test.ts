import assert from "node:assert/strict";
import type { Db } from "../db/db.ts";
import { HttpError } from "../errors.ts";
import { makeTestApp, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";
import { AgentAuth, ENROLL_FAILURES_PER_CLIENT } from "./agent_auth.ts";

Deno.test("AgentAuth.authenticate still refuses a wrong token once the right one is cached", async (t) => {
  await using h = await makeTestApp();
  const auth = h.deps.agentAuth;
  const agent = await h.registerAgent();
  const other = await h.registerAgent("pc-2");
  const flip = (token: string) => (token[0] === "a" ? "b" : "a") + token.slice(1);
  const cases: [string, string, boolean][] = [
    ["the right token", agent.agent_token, true],
    ["a token of the same length differing in one character", flip(agent.agent_token), false],
    ["another agent's token", other.agent_token, false],
    ["a prefix of the right token", agent.agent_token.slice(0, -1), false],
    ["the right token again", agent.agent_token, true],
  ];
  for (const [what, token, ok] of cases) {
    await t.step(what, async () => {
      const attempt = auth.authenticate(agent.agent_id, token, null);
      if (ok) assert.equal((await attempt).computerId, agent.computerId);
      else await assert.rejects(attempt, (e) => e instanceof HttpError && e.status === 401);
    });
  }
});

/** The database of `h`, counting the queries made through it. */
function countingDb(db: Db): { db: Db; queries: () => number } {
  let n = 0;
  const counted = Object.create(db) as Db;
  counted.query = (sql, params) => {
    n++;
    return db.query(sql, params);
  };
  return { db: counted, queries: () => n };
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `AgentAuth.authenticate takes one path for unknown ids and wrong tokens (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const agent = await h.registerAgent();
      const { db, queries } = countingDb(h.db);
      const auth = new AgentAuth(db, h.enrollmentToken, h.deps.lastSeen);
      const wrong = "w".repeat(agent.agent_token.length);
      const unknownId = crypto.randomUUID();
      const refusal = (id: string) =>
        assert.rejects(auth.authenticate(id, wrong, null), (e) => {
          assert.ok(e instanceof HttpError);
          assert.equal(e.status, 401);
          assert.equal(e.message, "Invalid agent credentials");
          return true;
        });
      // The first sight of each id reads the database once, known or not ...
      await refusal(agent.agent_id);
      await refusal(unknownId);
      assert.equal(queries(), 2);
      // ... and later ones do not, for either: the same cached path, the same hash and compare.
      for (let i = 0; i < 5; i++) {
        await refusal(agent.agent_id);
        await refusal(unknownId);
      }
      assert.equal(queries(), 2, "an unknown id must not cost a query a known one does not");
      const ok = await auth.authenticate(agent.agent_id, agent.agent_token, null);
      assert.equal(ok.computerId, agent.computerId);
    },
  });

  Deno.test({
    name: `AgentAuth reads many agents' first authentications in a few statements (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const agents = [];
      for (let i = 0; i < 40; i++) agents.push(await h.registerAgent(`pc-${i}`));
      const { db, queries } = countingDb(h.db);
      // A fresh AgentAuth: nothing cached, as after a restart.
      const auth = new AgentAuth(db, h.enrollmentToken, h.deps.lastSeen);
      const unknownId = crypto.randomUUID();
      const wrong = "w".repeat(agents[0].agent_token.length);
      const attempts = [
        ...agents.map((a) => auth.authenticate(a.agent_id, a.agent_token, null)),
        // The same agent twice at once, an unknown id and a wrong token, in the same storm.
        auth.authenticate(agents[0].agent_id, agents[0].agent_token, null),
        auth.authenticate(unknownId, wrong, null),
        auth.authenticate(agents[1].agent_id, wrong, null),
      ];
      const results = await Promise.allSettled(attempts);
      for (const [i, agent] of agents.entries()) {
        const r = results[i];
        assert.equal(r.status, "fulfilled", `agent ${i}`);
        assert.equal(r.value.computerId, agent.computerId);
      }
      assert.equal(results[40].status, "fulfilled");
      for (const r of results.slice(41)) {
        assert.equal(r.status, "rejected");
        assert.ok(r.reason instanceof HttpError && r.reason.status === 401);
      }
      assert.ok(queries() <= 4, `${queries()} statements for 41 agents' first authentications`);
      assert.equal(auth.lookupStatements, queries());
    },
  });

  Deno.test({
    name: `POST /api/agent/register answers 429 after repeated wrong enrollment tokens (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const enroll = (token: string) =>
        h.app.request("/api/agent/register", {
          method: "POST",
          headers: { "content-type": "application/json", "enrollment-token": token },
          body: JSON.stringify({ hostname: "pc", os: "windows", agent_version: "1.0.0" }),
        });
      const replies = await Promise.all(
        Array.from({ length: ENROLL_FAILURES_PER_CLIENT + 30 }, () => enroll("guess")),
      );
      const statuses = replies.map((res) => res.status);
      await Promise.all(replies.map((res) => res.body?.cancel()));
      assert.equal(statuses.filter((s) => s === 401).length, ENROLL_FAILURES_PER_CLIENT);
      assert.equal(statuses.filter((s) => s === 429).length, 30);
      const blocked = await enroll(h.enrollmentToken);
      assert.equal(
        blocked.status,
        429,
        "the client waits out the window, even with the right token",
      );
      assert.ok(Number(blocked.headers.get("retry-after")) > 0);
      assert.equal((await blocked.json()).error.code, "rate_limited");
      // Another client is not affected.
      const other = await h.deps.agentAuth.register(
        h.enrollmentToken,
        { hostname: "pc2", os: "windows", agent_version: "1.0.0" },
        "10.0.0.9",
      );
      assert.ok(other.agent_id);
    },
  });
}
