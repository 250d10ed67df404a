/**
 * Starts a real server and a real `agent run` whose install holds what a
 * power cut and a hostile report leave behind: an `update_result.json` torn
 * to 100 zero bytes, and a buffer whose second report carries a NUL byte
 * (which a server may refuse, or fail on). Nothing may block the queue: the
 * other reports and the torn result's report all arrive, and a report the
 * server would not take is set aside with an `AgentReportSetAside` naming it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPORT_SET_ASIDE } from "../protocol/mod.ts";
import {
  getComputerErrors,
  registerAgent,
  startServer,
  waitFor,
} from "./helpers/server_process.ts";
import { enrolledInstallDir, readAgentLog, startAgent } from "./agent_harness.ts";

async function agentConfig(dir: string) {
  return JSON.parse(await Deno.readTextFile(join(dir, "config", "config.json")));
}

function report(id: string, message: string) {
  return {
    error_type: "TestError",
    message,
    timestamp: new Date().toISOString(),
    agent_version: "1.0.0",
    report_id: id,
  };
}

Deno.test("agent: a torn update_result.json and a hostile report block no other report", async () => {
  const server = await startServer();
  const { dir, computerId } = await enrolledInstallDir(server, { ws_enabled: false });
  let agent;
  try {
    const lines = [
      report("r1-0000-first", "first"),
      report("r2-0000-nul", "a\u0000b"),
      report("r3-0000-third", "third"),
    ].map((r) => JSON.stringify(r) + "\n").join("");
    await Deno.writeTextFile(join(dir, "error_reports.jsonl"), lines);
    await Deno.writeFile(join(dir, "update_result.json"), new Uint8Array(100));

    agent = startAgent(dir);
    const errors = await waitFor("the other reports on the server", async () => {
      const errors = await getComputerErrors(server, computerId);
      const ids = new Set(errors.map((e) => e.report_id));
      const torn = errors.find((e) =>
        /result file is unreadable \(100 bytes\)/.test(e.error_message)
      );
      return ids.has("r1-0000-first") && ids.has("r3-0000-third") && torn ? errors : undefined;
    }, 60_000);
    await waitFor("update_result.json reported and removed", async () => {
      return await Deno.stat(join(dir, "update_result.json")).then(() => undefined, () => true);
    });

    // What this server answers such a report decides what the agent must have done with it.
    const probe = await fetch(`${server.url}/api/agent/report-error`, {
      method: "POST",
      headers: {
        "agent-id": (await agentConfig(dir)).agent_id,
        "agent-token": (await agentConfig(dir)).agent_token,
        "content-type": "application/json",
      },
      body: JSON.stringify(report("probe-nul", "a\u0000b")),
    });
    await probe.body?.cancel();
    if (probe.status >= 400 && probe.status < 500) {
      // Refused: set aside, and said so, instead of retried forever.
      const notice = await waitFor("the set-aside notice", async () => {
        const all = await getComputerErrors(server, computerId);
        return all.find((e) => e.error_type === REPORT_SET_ASIDE);
      }, 60_000);
      assert.equal(notice.error_details.report_id, "r2-0000-nul");
      assert.equal(notice.error_details.how, "rejected");
      assert.equal(notice.error_details.status, probe.status);
    } else if (probe.ok) {
      assert.ok(errors.some((e) => e.report_id === "r2-0000-nul"));
    } else {
      // The server fails on it: it may stay queued, but behind nothing (the rest arrived).
      assert.ok(!errors.some((e) => e.report_id === "r2-0000-nul"));
    }
    const torn = errors.find((e) => /unreadable/.test(e.error_message))!;
    assert.equal(torn.error_type, "UpdateGeneralFailure");
    assert.match(String(torn.error_details.unreadable_result), /^(\\u0000)+$/);
    assert.equal(await agent.stop(), 0);
  } finally {
    await agent?.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("agent: reports over the server's per-agent limit wait for Retry-After and all arrive once", async () => {
  const server = await startServer({ env: { AGENT_REPORTS_PER_MINUTE: "30" } });
  const { dir, computerId } = await enrolledInstallDir(server, { ws_enabled: false });
  let agent;
  try {
    const reports = [...Array(34).keys()].map((i) => report(`limit-${i}`, `report ${i}`));
    await Deno.writeTextFile(
      join(dir, "error_reports.jsonl"),
      reports.map((r) => JSON.stringify(r) + "\n").join(""),
    );
    agent = startAgent(dir);
    const errors = await waitFor("all 34 reports on the server", async () => {
      const errors = await getComputerErrors(server, computerId);
      return errors.length >= 34 ? errors : undefined;
    }, 120_000);
    assert.deepEqual(errors.map((e) => e.report_id), reports.map((r) => r.report_id));
    const log = readAgentLog(dir);
    assert.match(log, /Server asked to wait before more error reports/);
    assert.doesNotMatch(log, /rejected an error report|quarantine/);
  } finally {
    await agent?.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("agent: reports answered 503 busy while another agent floods wait in the buffer and all arrive once", async () => {
  // One report in the database at a time, no wait: the flood below keeps the slot taken.
  const server = await startServer({
    env: {
      AGENT_REPORTS_PER_MINUTE: "1000000",
      REPORT_STORE_CONCURRENCY: "1",
      REPORT_STORE_WAIT_MS: "0",
    },
  });
  const { dir, computerId } = await enrolledInstallDir(server, { ws_enabled: false });
  const flooder = await registerAgent(server, "flooding-pc");
  let flooding = true;
  let busyReplies = 0;
  const flood = async (lane: number) => {
    for (let n = 0; flooding; n++) {
      const res = await fetch(`${server.url}/api/agent/report-error`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "agent-id": flooder.agent_id,
          "agent-token": flooder.agent_token,
        },
        body: JSON.stringify({ ...report(`flood-${lane}-${n}`, "x".repeat(9_000)) }),
      });
      if (res.status === 503) busyReplies++;
      await res.body?.cancel();
    }
  };
  const lanes = [0, 1, 2, 3].map(flood);
  let agent;
  try {
    const reports = [...Array(10).keys()].map((i) => report(`busy-${i}`, `report ${i}`));
    await Deno.writeTextFile(
      join(dir, "error_reports.jsonl"),
      reports.map((r) => JSON.stringify(r) + "\n").join(""),
    );
    agent = startAgent(dir);
    // The flood holds the one slot: the agent is told to wait (503 busy + Retry-After)...
    await waitFor("the agent told to wait", () =>
      Promise.resolve(
        /Server asked to wait before more error reports/.test(readAgentLog(dir)) || undefined,
      ), 60_000);
    assert.ok(busyReplies > 0, "the flood met 503 busy too");
    // ... and once the flood stops, every report it kept arrives, once.
    flooding = false;
    await Promise.allSettled(lanes);
    const errors = await waitFor("all 10 reports on the server", async () => {
      const errors = await getComputerErrors(server, computerId);
      return errors.length >= 10 ? errors : undefined;
    }, 60_000);
    assert.deepEqual(errors.map((e) => e.report_id), reports.map((r) => r.report_id));
    const log = readAgentLog(dir);
    assert.doesNotMatch(log, /rejected an error report|quarantine/);
  } finally {
    flooding = false;
    await Promise.allSettled(lanes);
    await agent?.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
