/**
 * Concurrent error reports against a real server process on a real PostgreSQL
 * (a fresh database from DATABASE_URL): appends are atomic and retries count once.
 */
import assert from "node:assert/strict";
import { createTestDatabase, NO_POSTGRES } from "./helpers/postgres.ts";
import {
  getComputerErrors,
  listComputers,
  registerAgent,
  startServer,
  type TestServer,
} from "./helpers/server_process.ts";

function report(
  server: TestServer,
  agent: { agent_id: string; agent_token: string },
  body: object,
) {
  return fetch(`${server.url}/api/agent/report-error`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "agent-id": agent.agent_id,
      "agent-token": agent.agent_token,
    },
    body: JSON.stringify({
      error_type: "UpdateDownloadFailed",
      timestamp: new Date().toISOString(),
      agent_version: "1.0.0",
      ...body,
    }),
  });
}

Deno.test({
  name: "report-error stores every one of 200 concurrent reports and a repeated report_id once",
  ignore: NO_POSTGRES,
  async fn() {
    const db = await createTestDatabase();
    const server = await startServer({
      env: { DATABASE_URL: db.url, AGENT_REPORTS_PER_MINUTE: "10000" },
    });
    try {
      const agent = await registerAgent(server, "busy-pc");
      const statuses = await Promise.all(
        Array.from(
          { length: 200 },
          (_, i) =>
            report(server, agent, { message: `failure ${i}` }).then(async (r) => {
              await r.body?.cancel();
              return r.status;
            }),
        ),
      );
      assert.deepEqual(new Set(statuses), new Set([204]));
      const [computer] = await listComputers(server);
      let errors = await getComputerErrors(server, computer.id);
      assert.equal(errors.length, 200);
      assert.equal(new Set(errors.map((e) => e.error_message)).size, 200);
      assert.equal(new Set(errors.map((e) => e.id)).size, 200, "every error has its own id");

      const retried = await Promise.all(
        Array.from(
          { length: 5 },
          () =>
            report(server, agent, { message: "retried", report_id: "report-42" }).then(
              async (r) => {
                await r.body?.cancel();
                return r.status;
              },
            ),
        ),
      );
      assert.deepEqual(retried, [204, 204, 204, 204, 204]);
      errors = await getComputerErrors(server, computer.id);
      assert.equal(errors.filter((e) => e.error_message === "retried").length, 1);
      assert.equal(errors.length, 201);
    } finally {
      await server.stop();
      await db.drop();
    }
  },
});
