/**
 * Issue 13, item 3: a computer's stored errors are bounded in bytes as well as
 * in count, so one agent sending large reports cannot grow its row without end.
 */
import assert from "node:assert/strict";
import type { ComputerError } from "../../protocol/mod.ts";
import {
  MAX_ERROR_BYTES_PER_COMPUTER,
  MAX_ERRORS_PER_COMPUTER,
} from "../services/computer_errors.ts";
import { MAX_DETAILS_BYTES, TRUNCATED_KEY } from "../services/error_size.ts";
import { makeTestApp, TEST_ADAPTERS } from "../test_app.ts";

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
      await using h = await makeTestApp({ adapter });
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
      assert.ok(bytes <= MAX_ERROR_BYTES_PER_COMPUTER, `${bytes} bytes stored`);
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
