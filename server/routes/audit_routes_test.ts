import assert from "node:assert/strict";
import { AUDIT_ACTIONS, type AuditEntry } from "../../protocol/mod.ts";
import { recordAudit } from "../services/audit.ts";
import {
  makeTestApp,
  TEST_ADAPTERS,
  TEST_ADMIN_PASSWORD,
  type TestApp,
} from "../../tests/helpers/test_app.ts";
import { setStable, uploadVersion } from "../../tests/helpers/package_fixtures.ts";

const json = { "content-type": "application/json" };

async function audit(t: TestApp, query = ""): Promise<{ res: Response; entries: AuditEntry[] }> {
  const res = await t.app.request(`/api/admin/audit${query}`, { headers: t.adminHeaders });
  return { res, entries: res.status === 200 ? await res.json() : [] };
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `the audit log records each admin write, sign-in and sign-out (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      await t.step("sign-in success and failure", async () => {
        const login = (password: string) =>
          h.app.request("/api/auth/login", {
            method: "POST",
            headers: json,
            body: JSON.stringify({ username: "admin", password }),
          });
        assert.equal((await login("wrong-password")).status, 401);
        assert.equal((await login(TEST_ADMIN_PASSWORD)).status, 200);
        const { entries } = await audit(h, "?limit=2");
        assert.deepEqual(entries.map((e) => [e.action, e.actor]), [
          [AUDIT_ACTIONS.signIn, "admin"],
          [AUDIT_ACTIONS.signInFailed, "admin"],
        ]);
        assert.equal(entries[1].details.reason, "unauthorized");
      });

      await t.step("upload and stable flag", async () => {
        const record = await uploadVersion(h, "1.2.0");
        assert.equal((await setStable(h, record.id, true)).status, 200);
        const { entries } = await audit(h, "?limit=2");
        assert.deepEqual(entries.map((e) => [e.action, e.actor, e.target_type, e.target_id]), [
          [AUDIT_ACTIONS.versionStable, "admin", "version", record.id],
          [AUDIT_ACTIONS.versionUpload, "admin", "version", record.id],
        ]);
        assert.deepEqual(entries[0].details, { version: "1.2.0", is_stable: true });
      });

      await t.step("resolving an error", async () => {
        const agent = await h.registerAgent("pc-audit");
        await h.app.request("/api/agent/report-error", {
          method: "POST",
          headers: { ...json, ...agent.headers },
          body: JSON.stringify({
            error_type: "UpdateDownloadFailed",
            message: "timeout",
            timestamp: new Date().toISOString(),
            agent_version: "1.0.0",
          }),
        });
        const errors =
          await (await h.app.request(`/api/admin/computers/${agent.computerId}/errors`, {
            headers: h.adminHeaders,
          })).json();
        const res = await h.app.request(
          `/api/admin/computers/${agent.computerId}/errors/${errors[0].id}/resolve`,
          {
            method: "POST",
            headers: { ...h.adminHeaders, ...json },
            body: JSON.stringify({ resolution_notes: "retried" }),
          },
        );
        assert.equal(res.status, 200);
        const [entry] = (await audit(h, "?limit=1")).entries;
        assert.equal(entry.action, AUDIT_ACTIONS.errorResolve);
        assert.equal(entry.actor, "admin");
        assert.equal(entry.target_id, agent.computerId);
        assert.deepEqual(entry.details.error_ids, [errors[0].id]);
      });

      await t.step("sign-out, with a valid session only", async () => {
        const out = (headers: Record<string, string>) =>
          h.app.request("/api/auth/logout", { method: "POST", headers });
        assert.equal((await out({ authorization: "Bearer forged" })).status, 204);
        // A session of its own: signing out revokes it, and h.adminHeaders reads the log below.
        const session = await h.deps.adminAuth.login("admin", TEST_ADMIN_PASSWORD, "test");
        assert.equal((await out({ authorization: `Bearer ${session.token}` })).status, 204);
        const { entries } = await audit(h, `?action=${AUDIT_ACTIONS.signOut}`);
        assert.deepEqual(entries.map((e) => e.actor), ["admin"]);
      });
    },
  });

  Deno.test({
    name: `GET /api/admin/audit pages newest first and filters by action and actor (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      for (let i = 0; i < 7; i++) {
        await recordAudit(h.db, {
          actor: i % 2 ? "alice" : "system",
          action: AUDIT_ACTIONS.rolloutAdvance,
          target_id: String(i),
        });
      }
      await t.step("cursor paging reaches the oldest entry and stops", async () => {
        const seen: string[] = [];
        let query = "?limit=3&action=rollout.advance";
        for (let page = 0; page < 5; page++) {
          const { res, entries } = await audit(h, query);
          seen.push(...entries.map((e) => e.target_id ?? ""));
          const next = res.headers.get("x-next-cursor");
          if (!next) break;
          query = `?limit=3&action=rollout.advance&after=${next}`;
        }
        assert.deepEqual(seen, ["6", "5", "4", "3", "2", "1", "0"]);
      });
      await t.step("actor filter", async () => {
        const { entries } = await audit(h, "?actor=alice");
        assert.deepEqual(entries.map((e) => e.target_id), ["5", "3", "1"]);
      });
      await t.step("bad values are 400", async () => {
        for (const q of ["?limit=0", "?limit=501", "?limit=x", "?after=abc", "?after=-1"]) {
          const { res } = await audit(h, q);
          assert.equal(res.status, 400, q);
          assert.equal((await res.json()).error.code, "validation_failed");
        }
      });
      await t.step("the table refuses UPDATE and DELETE", async () => {
        await assert.rejects(h.db.query("UPDATE audit_log SET actor = 'mallory'"), /append-only/);
        await assert.rejects(h.db.query("DELETE FROM audit_log"), /append-only/);
      });
    },
  });
}
