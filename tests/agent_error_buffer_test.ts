/**
 * Starts a real server (then stops it), a child process that buffers 20 error
 * reports through the agent's HTTP client, and real `agent run` processes: the
 * first is killed (SIGKILL), the second runs while the server comes back on
 * the same port and data. Exactly the 20 reports must arrive, in order, once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { getComputerErrors, startServer, waitFor } from "./helpers/server_process.ts";
import { enrolledInstallDir, startAgent, waitForLog } from "./agent_harness.ts";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./agent_buffer_fixture.ts", import.meta.url));

Deno.test("agent error buffer delivers 20 reports after an agent restart and a server outage", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "hangar-buffer-data-" });
  const first = await startServer({ dataDir });
  const { dir, computerId } = await enrolledInstallDir(first);
  const outbox = join(dir, "error_reports.jsonl");
  let server = first;
  let agent;
  try {
    await first.stop();

    const fixture = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", FIXTURE, dir, "20"],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.equal(fixture.code, 0);
    const buffered = (await Deno.readTextFile(outbox)).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(buffered.length, 20);

    const crashed = startAgent(dir);
    await waitForLog(dir, /Loaded undelivered error reports \{"count":20\}/);
    await waitForLog(dir, /Error reports not delivered; will retry/);
    await crashed.kill();

    agent = startAgent(dir);
    await waitForLog(dir, /Took over a stale lock/);
    await waitForLog(dir, /Loaded undelivered error reports \{"count":20\}/, 2);

    server = await startServer({ dataDir, port: first.port });
    const errors = await waitFor("20 errors on the server and an empty buffer", async () => {
      const errors = await getComputerErrors(server, computerId);
      const left = (await Deno.readTextFile(outbox)).trim();
      return errors.length >= 20 && left === "" ? errors : undefined;
    });
    // Once the agent has exited, everything it would send has been sent: a duplicate shows now.
    await agent.stop();
    const final = await getComputerErrors(server, computerId);
    assert.equal(final.length, 20);
    assert.deepEqual(errors.map((e) => e.id), final.map((e) => e.id));
    assert.deepEqual(final.map((e) => e.error_message), buffered.map((r) => r.message));
    assert.deepEqual(final.map((e) => e.report_id), buffered.map((r) => r.report_id));
    assert.deepEqual(final.map((e) => e.error_details.index), [...Array(20).keys()]);
  } finally {
    await agent?.stop();
    await server.stop();
    await Deno.remove(dataDir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});
