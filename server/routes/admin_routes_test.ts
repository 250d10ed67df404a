import assert from "node:assert/strict";
import type { ComputerError } from "../../protocol/mod.ts";
import {
  insertComputerError,
  listErrorsOfComputer,
  pruneComputerErrors,
} from "../db/computer_errors.ts";
import {
  makeTestApp,
  TEST_ADAPTERS,
  type TestAgent,
  type TestApp,
} from "../../tests/helpers/test_app.ts";

const json = { "content-type": "application/json" };

function report(h: TestApp, agent: TestAgent, body: unknown) {
  return h.app.request("/api/agent/report-error", {
    method: "POST",
    headers: { ...json, ...agent.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const base = {
  error_type: "UpdateChecksumMismatch",
  message: "Checksum mismatch",
  timestamp: "2026-11-26T10:00:00.000Z",
  agent_version: "1.0.0",
};

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `POST /api/agent/report-error validates the payload (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      const agent = await h.registerAgent();
      const cases: [string, unknown, number, string | null][] = [
        ["missing error_type", { ...base, error_type: undefined }, 400, "validation_failed"],
        ["error_type not a string", { ...base, error_type: 7 }, 400, "validation_failed"],
        ["details not an object", { ...base, details: "x" }, 400, "validation_failed"],
        ["bad JSON", "{", 400, "invalid_json"],
        [
          "over 64 KiB",
          { ...base, details: { blob: "x".repeat(70_000) } },
          413,
          "payload_too_large",
        ],
        ["an unknown error_type string", { ...base, error_type: "DiskOnFire" }, 204, null],
      ];
      for (const [what, body, status, code] of cases) {
        await t.step(what, async () => {
          const res = await report(h, agent, body);
          assert.equal(res.status, status);
          if (code) assert.equal((await res.json()).error.code, code);
        });
      }
    },
  });

  Deno.test({
    name: `a reported error is stored as the plan's element and can be resolved (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const agent = await h.registerAgent("pc-err");
      const res = await report(h, agent, {
        ...base,
        stack_trace: "Error: boom\n  at x",
        details: { expected_checksum: "aa", actual_checksum: "bb", download_url: "/p.zip" },
        report_id: "r-1",
      });
      assert.equal(res.status, 204);
      assert.equal((await report(h, agent, { ...base, report_id: "r-1" })).status, 204);

      const listRes = await h.app.request(`/api/admin/computers/${agent.computerId}/errors`, {
        headers: h.adminHeaders,
      });
      const errors: ComputerError[] = await listRes.json();
      assert.equal(errors.length, 1, "the retried report_id is stored once");
      const [stored] = errors;
      assert.match(stored.id, /^[0-9a-f-]{36}$/);
      assert.equal(stored.error_type, "UpdateChecksumMismatch");
      assert.equal(stored.error_message, "Checksum mismatch");
      assert.deepEqual(stored.error_details, {
        expected_checksum: "aa",
        actual_checksum: "bb",
        download_url: "/p.zip",
        reported_at_agent: base.timestamp,
        agent_version_at_error: "1.0.0",
        stack_trace: "Error: boom\n  at x",
      });
      assert.equal(stored.resolved, false);
      assert.equal(stored.resolved_at, null);
      assert.equal(stored.resolution_notes, null);

      const computers =
        await (await h.app.request("/api/admin/computers", { headers: h.adminHeaders })).json();
      assert.equal(computers[0].have_active_errors, true);
      assert.equal(computers[0].active_error_count, 1);

      const resolvePath = `/api/admin/computers/${agent.computerId}/errors/${stored.id}/resolve`;
      const resolved = await h.app.request(resolvePath, {
        method: "POST",
        headers: { ...json, ...h.adminHeaders },
        body: JSON.stringify({ resolution_notes: "Re-uploaded the package" }),
      });
      assert.equal(resolved.status, 200);
      const body = await resolved.json();
      assert.equal(body.resolved, true);
      assert.equal(body.resolution_notes, "Re-uploaded the package");
      assert.ok(Date.parse(body.resolved_at) > 0);

      const after = await (await h.app.request("/api/admin/computers", { headers: h.adminHeaders }))
        .json();
      assert.equal(after[0].have_active_errors, false);
      assert.equal(after[0].active_error_count, 0);

      const again = await h.app.request(resolvePath, {
        method: "POST",
        headers: { ...json, ...h.adminHeaders },
        body: "{}",
      });
      assert.equal(again.status, 409);
      const unknownError = await h.app.request(
        `/api/admin/computers/${agent.computerId}/errors/nope/resolve`,
        { method: "POST", headers: h.adminHeaders },
      );
      assert.equal(unknownError.status, 404);
      const unknownComputer = await h.app.request(
        `/api/admin/computers/${crypto.randomUUID()}/errors`,
        {
          headers: h.adminHeaders,
        },
      );
      assert.equal(unknownComputer.status, 404);
      assert.equal((await unknownComputer.json()).error.code, "not_found");
    },
  });

  Deno.test({
    name: `a computer keeps its newest errors, dropping resolved ones first (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const agent = await h.registerAgent();
      const element = (i: number, resolved: boolean): ComputerError => ({
        id: `e${i}`,
        error_type: "T",
        error_message: `m${i}`,
        error_details: {},
        reported_at: new Date().toISOString(),
        resolved,
        resolved_at: null,
        resolution_notes: null,
      });
      const append = (error: ComputerError, maxCount: number, maxBytes: number) =>
        h.db.transaction(async (tx) => {
          await insertComputerError(tx, agent.computerId, error, 100);
          await pruneComputerErrors(tx, agent.computerId, maxCount, maxBytes);
        });
      const ids = async () =>
        (await listErrorsOfComputer(h.db, agent.computerId))!.map((e) => e.id);
      // Keep 5: e0..e4 with e1 and e3 resolved, then two more unresolved arrive.
      for (let i = 0; i < 5; i++) await append(element(i, i === 1 || i === 3), 5, 10_000);
      await append(element(5, false), 5, 10_000);
      await append(element(6, false), 5, 10_000);
      assert.deepEqual(await ids(), ["e0", "e2", "e4", "e5", "e6"]);
      // A byte cap of 300 (100 each) keeps the newest three, whatever the count cap.
      await append(element(7, false), 5, 300);
      assert.deepEqual(await ids(), ["e5", "e6", "e7"]);
    },
  });
}
