import assert from "node:assert/strict";
import { judgeServerReach, probeServer, type ServerVerdict } from "./server_probe.ts";

Deno.test("judgeServerReach rolls back only an agent that misses a server the updater reaches", async (t) => {
  const cases: [string, boolean, boolean, boolean, ServerVerdict][] = [
    // name, reachable before, agent reached, reachable now, verdict
    ["the agent reached it", true, true, true, "reached"],
    ["down before the launch", false, false, true, "server_unreachable"],
    ["went down during the window", true, false, false, "server_unreachable"],
    ["up all along, agent never reached it", true, false, true, "agent_cannot_reach"],
  ];
  for (const [name, before, reached, now, expected] of cases) {
    await t.step(`${name} -> ${expected}`, async () => {
      const view = { url: "http://127.0.0.1:1", reachableBefore: before };
      assert.equal(await judgeServerReach(view, reached, () => Promise.resolve(now)), expected);
    });
  }
});

Deno.test("probeServer is true for a 2xx /api/health and false for an error or no server", async () => {
  let status = 200;
  const server = Deno.serve({ port: 0, onListen() {} }, (req) => {
    assert.equal(new URL(req.url).pathname, "/api/health");
    return new Response("{}", { status });
  });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  try {
    assert.equal(await probeServer(url), true);
    status = 503;
    assert.equal(await probeServer(url), false);
  } finally {
    await server.shutdown();
  }
  assert.equal(await probeServer(url, 1000), false);
});
