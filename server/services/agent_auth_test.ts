import assert from "node:assert/strict";
import { HttpError } from "../errors.ts";
import { makeTestApp } from "../test_app.ts";

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
