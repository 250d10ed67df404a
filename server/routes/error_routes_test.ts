import assert from "node:assert/strict";
import {
  AUDIT_ACTIONS,
  type AuditEntry,
  BulkResolveResponse,
  type ComputerError,
  type FleetError,
} from "../../protocol/mod.ts";
import type { HangarEvent } from "../ws/notifier.ts";
import {
  makeTestApp,
  TEST_ADAPTERS,
  type TestAgent,
  type TestApp,
} from "../../tests/helpers/test_app.ts";

const json = { "content-type": "application/json" };

async function report(h: TestApp, agent: TestAgent, type: string, n: number) {
  const res = await h.app.request("/api/agent/report-error", {
    method: "POST",
    headers: { ...json, ...agent.headers },
    body: JSON.stringify({
      error_type: type,
      message: `failure ${n}`,
      timestamp: new Date().toISOString(),
      agent_version: "1.0.0",
    }),
  });
  assert.equal(res.status, 204);
}

async function inbox(h: TestApp, query = "") {
  const res = await h.app.request(`/api/admin/errors${query}`, { headers: h.adminHeaders });
  const body = await res.json();
  return {
    status: res.status,
    body,
    errors: (res.status === 200 ? body : []) as FleetError[],
    total: res.headers.get("x-total-count"),
    next: res.headers.get("x-next-cursor"),
  };
}

/** Polls `ok` every 20 ms for up to 10 s (events cross LISTEN/NOTIFY on PostgreSQL). */
async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(ok(), "the event did not arrive within 10 s");
}

function resolve(h: TestApp, body: unknown) {
  return h.app.request("/api/admin/errors/resolve", {
    method: "POST",
    headers: { ...h.adminHeaders, ...json },
    body: JSON.stringify(body),
  });
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `the errors inbox lists, pages and bulk-resolves errors across the fleet (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      const events: HangarEvent[] = [];
      h.deps.notifier.subscribe((e) => void events.push(e));
      const agents = [
        await h.registerAgent("pc-a"),
        await h.registerAgent("pc-b"),
        await h.registerAgent("pc-c"),
      ];
      for (let n = 0; n < 21; n++) {
        await report(
          h,
          agents[n % 3],
          n % 2 ? "UpdateDownloadFailed" : "UpdateChecksumMismatch",
          n,
        );
      }

      await t.step(
        "newest first, with the computer, and an errors_changed event each",
        async () => {
          const { errors, total } = await inbox(h, "?resolved=false");
          assert.equal(total, "21");
          assert.deepEqual(
            errors.slice(0, 3).map((e) => [e.error_message, e.hostname, e.computer_id]),
            [
              ["failure 20", "pc-c", agents[2].computerId],
              ["failure 19", "pc-b", agents[1].computerId],
              ["failure 18", "pc-a", agents[0].computerId],
            ],
          );
          assert.equal(errors[0].resolved_by, null);
          await waitUntil(() => events.filter((e) => e.type === "errors_changed").length >= 21);
        },
      );

      await t.step("filters by type and computer; pages reach the oldest", async () => {
        const byType = await inbox(h, "?error_type=UpdateDownloadFailed");
        assert.equal(byType.total, "10");
        assert.ok(byType.errors.every((e) => e.error_type === "UpdateDownloadFailed"));
        const one = await inbox(h, `?computer_id=${agents[1].computerId}`);
        assert.equal(one.total, "7");
        const seen: string[] = [];
        let query = "?limit=8";
        for (let page = 0; page < 5; page++) {
          const r = await inbox(h, query);
          seen.push(...r.errors.map((e) => e.error_message));
          if (!r.next) break;
          query = `?limit=8&after=${r.next}`;
        }
        assert.deepEqual(seen, Array.from({ length: 21 }, (_, i) => `failure ${20 - i}`));
        const types = await h.app.request("/api/admin/errors/types", { headers: h.adminHeaders });
        assert.deepEqual(await types.json(), [
          { error_type: "UpdateChecksumMismatch", open: 11 },
          { error_type: "UpdateDownloadFailed", open: 10 },
        ]);
      });

      await t.step("bad query values are 400", async () => {
        for (const q of ["?resolved=no", "?limit=0", "?limit=501", "?after=x", "?computer_id=1"]) {
          const r = await inbox(h, q);
          assert.equal(r.status, 400, q);
          assert.equal(r.body.error.code, "validation_failed", q);
        }
      });

      await t.step(
        "bulk resolve 20 with one note; unknown ids are skipped and listed",
        async () => {
          const open = (await inbox(h, "?resolved=false&limit=20")).errors;
          const keys = open.map((e) => ({ computer_id: e.computer_id, error_id: e.id }));
          const unknown = [
            { computer_id: crypto.randomUUID(), error_id: open[0].id },
            { computer_id: agents[0].computerId, error_id: "no-such-error" },
            { computer_id: "not-a-uuid", error_id: "x" },
          ];
          events.length = 0;
          const res = await resolve(h, {
            errors: [...keys, keys[0], ...unknown],
            resolution_notes: "mirror fixed",
          });
          assert.equal(res.status, 200);
          const reply = BulkResolveResponse.parse(await res.json());
          assert.equal(reply.resolved, 20);
          assert.deepEqual(
            reply.skipped.map((s) => s.reason).sort(),
            ["not_found", "not_found", "not_found"],
          );
          // On PostgreSQL the event comes back through LISTEN/NOTIFY, a moment later.
          await waitUntil(() => events.some((e) => e.type === "errors_changed"));

          const left = await inbox(h, "?resolved=false");
          assert.equal(left.total, "1");
          const done = (await inbox(h, "?resolved=true")).errors;
          assert.equal(done.length, 20);
          assert.ok(
            done.every((e) => e.resolved_by === "admin" && e.resolution_notes === "mirror fixed"),
          );

          const again = BulkResolveResponse.parse(
            await (await resolve(h, { errors: keys })).json(),
          );
          assert.equal(again.resolved, 0);
          assert.ok(again.skipped.every((s) => s.reason === "already_resolved"));

          const audit = await h.app.request(
            `/api/admin/audit?action=${AUDIT_ACTIONS.errorResolve}`,
            {
              headers: h.adminHeaders,
            },
          );
          const entries: AuditEntry[] = await audit.json();
          assert.equal(entries.length, 1, "one entry for the bulk, none for the no-op");
          assert.equal(entries[0].actor, "admin");
          assert.equal(entries[0].details.count, 20);
        },
      );

      await t.step("the last open error, resolved alone, records resolved_by too", async () => {
        const [last] = (await inbox(h, "?resolved=false")).errors;
        const res = await h.app.request(
          `/api/admin/computers/${last.computer_id}/errors/${last.id}/resolve`,
          { method: "POST", headers: { ...h.adminHeaders, ...json }, body: "{}" },
        );
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as ComputerError).resolved_by, "admin");
        assert.equal((await inbox(h, "?resolved=false")).total, "0");
        const list = await h.app.request("/api/admin/computers?has_errors=true", {
          headers: h.adminHeaders,
        });
        assert.deepEqual(await list.json(), [], "no computer has open errors left");
      });

      await t.step("bad bodies are 400", async () => {
        const tooMany = Array.from({ length: 1001 }, () => ({ computer_id: "x", error_id: "y" }));
        for (
          const body of [{ errors: [] }, {}, { errors: tooMany }, { errors: [{ error_id: "y" }] }]
        ) {
          const res = await resolve(h, body);
          assert.equal(res.status, 400);
        }
      });
    },
  });
}
