/**
 * Issue 13, item 3: a computer's stored errors are bounded in bytes as well as
 * in count, so one agent sending large reports cannot grow its row without end,
 * and each agent's reports are rate-limited (429 + Retry-After).
 */
import assert from "node:assert/strict";
import type { ComputerError } from "../../protocol/mod.ts";
import {
  MAX_ERROR_BYTES_PER_COMPUTER,
  MAX_ERRORS_PER_COMPUTER,
} from "../services/computer_errors.ts";
import { MAX_DETAILS_BYTES, TRUNCATED_KEY } from "../services/error_size.ts";
import { makeTestApp, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";

const encoder = new TextEncoder();

/** A report of about 59 KB, as in the flood. */
function bigReport(n: number) {
  return {
    error_type: "UpdateExtractionFailed",
    message: `extraction ${n} failed`,
    timestamp: new Date().toISOString(),
    agent_version: "1.0.0",
    stack_trace: "at extract (zip.ts:1)\n".repeat(1_000),
    details: { log_tail: "y".repeat(36_000), attempt: n },
    report_id: `big-${n}`,
  };
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `report-error cuts large details and keeps about 1 MiB per computer (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter, env: { AGENT_REPORTS_PER_MINUTE: "10000" } });
      const agent = await h.registerAgent();
      const sent = 130;
      for (let n = 0; n < sent; n++) {
        const body = JSON.stringify(bigReport(n));
        assert.ok(body.length > 58_000);
        const res = await h.app.request("/api/agent/report-error", {
          method: "POST",
          headers: { "content-type": "application/json", ...agent.headers },
          body,
        });
        assert.equal(res.status, 204, await res.text());
      }
      const res = await h.app.request(`/api/admin/computers/${agent.computerId}/errors`, {
        headers: h.adminHeaders,
      });
      const errors: ComputerError[] = await res.json();
      const bytes = errors.reduce((sum, e) => sum + encoder.encode(JSON.stringify(e)).length, 0);
      // About 1 MiB: the cap counts each element as stored; the API adds a field or two
      // (resolved_by) to every element it answers.
      assert.ok(bytes <= MAX_ERROR_BYTES_PER_COMPUTER * 1.01, `${bytes} bytes stored`);
      assert.ok(
        errors.length < sent && errors.length <= MAX_ERRORS_PER_COMPUTER,
        `${errors.length} kept, ${bytes} bytes`,
      );
      assert.ok(errors.length > 100, `${errors.length} errors kept`);
      // The newest are kept, each cut to the details cap and marked.
      assert.equal(errors.at(-1)!.report_id, `big-${sent - 1}`);
      for (const error of errors) {
        const details = error.error_details;
        assert.ok(encoder.encode(JSON.stringify(details)).length <= MAX_DETAILS_BYTES);
        assert.ok(TRUNCATED_KEY in details, "cut details say so");
        assert.equal(details.agent_version_at_error, "1.0.0");
      }
    },
  });
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `report-error answers 429 with Retry-After past an agent's rate; others go on (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter, env: { AGENT_REPORTS_PER_MINUTE: "5" } });
      const flooder = await h.registerAgent("flooder");
      const quiet = await h.registerAgent("quiet");
      const send = (agent: typeof flooder, n: number) =>
        h.app.request("/api/agent/report-error", {
          method: "POST",
          headers: { "content-type": "application/json", ...agent.headers },
          body: JSON.stringify({ ...bigReport(n), details: {}, stack_trace: undefined }),
        });
      const statuses: number[] = [];
      let limited: Response | null = null;
      for (let n = 0; n < 8; n++) {
        const res = await send(flooder, n);
        statuses.push(res.status);
        if (res.status === 429) limited = res;
        else await res.body?.cancel();
      }
      assert.deepEqual(statuses, [204, 204, 204, 204, 204, 429, 429, 429]);
      assert.equal((await limited!.json()).error.code, "rate_limited");
      const retryAfter = Number(limited!.headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 12, `Retry-After ${retryAfter}`);
      const other = await send(quiet, 100);
      assert.equal(other.status, 204, "another agent is not limited");
      const res = await h.app.request(`/api/admin/computers/${flooder.computerId}/errors`, {
        headers: h.adminHeaders,
      });
      assert.equal((await res.json()).length, 5, "refused reports are not stored");
    },
  });
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `report-error beyond REPORT_STORE_CONCURRENCY gets 503 busy + Retry-After, ` +
      `and is stored when sent again (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({
        adapter,
        env: {
          AGENT_REPORTS_PER_MINUTE: "10000",
          REPORT_STORE_CONCURRENCY: "1",
          REPORT_STORE_WAIT_MS: "0",
        },
      });
      const agent = await h.registerAgent();
      const send = (n: number) =>
        h.app.request("/api/agent/report-error", {
          method: "POST",
          headers: { "content-type": "application/json", ...agent.headers },
          body: JSON.stringify(bigReport(n)),
        });
      const sent = 12;
      const replies = await Promise.all(Array.from({ length: sent }, (_, n) => send(n)));
      const refused: number[] = [];
      for (const [n, res] of replies.entries()) {
        if (res.status === 204) continue;
        assert.equal(res.status, 503);
        assert.equal(res.headers.get("retry-after"), "1");
        assert.equal((await res.json()).error.code, "busy");
        refused.push(n);
      }
      assert.ok(refused.length > 0, "one report at a time: the others were refused");
      assert.ok(refused.length < sent, "the first one was stored");
      // The agent keeps a refused report and sends it again after Retry-After.
      for (const n of refused) assert.equal((await send(n)).status, 204);
      const res = await h.app.request(`/api/admin/computers/${agent.computerId}/errors`, {
        headers: h.adminHeaders,
      });
      const errors: ComputerError[] = await res.json();
      assert.deepEqual(
        errors.map((e) => e.report_id).sort(),
        Array.from({ length: sent }, (_, n) => `big-${n}`).sort(),
        "every report stored once, none lost",
      );
    },
  });
}
