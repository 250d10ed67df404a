import assert from "node:assert/strict";
import semver from "semver";
import { type ComputerSummary, type FleetComputer, FleetSummary } from "../../protocol/mod.ts";
import { seedFleet } from "../../tools/bench/seed_fleet.ts";
import { makeTestApp, TEST_ADAPTERS, type TestApp } from "../../tests/helpers/test_app.ts";
import { setStable, uploadVersion } from "../../tests/helpers/package_fixtures.ts";

const VERSIONS = ["1.9.0", "1.10.0", "2.0.0-rc.1", "2.0.0", "1.2.3"];
const GROUPS = ["canary", "office", "warehouse"];

interface Raw {
  id: string;
  hostname: string;
  agent_version: string;
  last_seen_at: Date | null;
  have_active_errors: boolean;
  group: string;
}

async function get(t: TestApp, query: string) {
  const res = await t.app.request(`/api/admin/computers${query}`, { headers: t.adminHeaders });
  const body = await res.json();
  return {
    status: res.status,
    body,
    ids: res.status === 200 ? (body as ComputerSummary[]).map((c) => c.id) : [],
    total: res.headers.get("x-total-count"),
    next: res.headers.get("x-next-cursor"),
  };
}

/** Walks every page of `query` with `limit` and returns the ids in order. */
async function walk(t: TestApp, query: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after = "";
  for (let page = 0; page < 1000; page++) {
    const r = await get(t, `?${query}&limit=${limit}${after}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    ids.push(...r.ids);
    if (!r.next) return ids;
    assert.equal(r.ids.length, limit, "a page before the last is full");
    after = `&after=${encodeURIComponent(r.next)}`;
  }
  throw new Error("paging did not end");
}

const byHost = (a: Raw, b: Raw) =>
  a.hostname.toLowerCase() < b.hostname.toLowerCase()
    ? -1
    : a.hostname.toLowerCase() > b.hostname.toLowerCase()
    ? 1
    : 0;
const bySeen = (a: Raw, b: Raw) =>
  (a.last_seen_at?.getTime() ?? -Infinity) - (b.last_seen_at?.getTime() ?? -Infinity) ||
  (a.id < b.id ? -1 : 1);
const byVersion = (a: Raw, b: Raw) =>
  semver.compare(a.agent_version, b.agent_version) || (a.id < b.id ? -1 : 1);

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `GET /api/admin/computers filters, sorts and pages like the data says (${label})`,
    ignore,
    async fn(t) {
      await using h = await makeTestApp({ adapter });
      await seedFleet(h.db, { count: 60, versions: VERSIONS, groups: GROUPS });
      const stable = await uploadVersion(h, "1.10.0");
      assert.equal((await setStable(h, stable.id, true)).status, 200);
      const raw = await h.db.query<Raw & Record<string, unknown>>(
        `SELECT id::text AS id, hostname, agent_version, last_seen_at, have_active_errors, "group"
         FROM computers`,
      );
      // Attempts: every 6th computer is downloading now, every 9th failed last (after an
      // earlier success), every 10th succeeded; one stalled download is over an hour old.
      const attempt = async (r: Raw, state: string, startedAgo: string, updatedAgo = "0 s") => {
        await h.db.query(
          `INSERT INTO update_attempts (attempt_id, computer_id, from_version, to_version, state,
             started_at, updated_at)
           VALUES (gen_random_uuid(), $1::uuid, '1.0.0', '1.10.0', $2,
             now() - $3::interval, now() - $4::interval)`,
          [r.id, state, startedAgo, updatedAgo],
        );
      };
      const updating: string[] = [];
      const failed: string[] = [];
      for (const [i, r] of raw.entries()) {
        if (i % 9 === 0) {
          await attempt(r, "succeeded", "2 days");
          await attempt(r, "failed", "1 day");
          failed.push(r.id);
        } else if (i % 6 === 0) {
          await attempt(r, "downloading", "1 min");
          updating.push(r.id);
        } else if (i % 10 === 0) await attempt(r, "succeeded", "1 h");
        else if (i === 1) await attempt(r, "downloading", "3 h", "2 h");
      }
      const online = raw.filter((_, i) => i % 4 === 0).map((r) => r.id);
      h.deps.hub.applyPresence("another-instance", online, [], 60_000);
      const ids = (rows: Raw[]) => rows.map((r) => r.id);
      const sorted = (rows: Raw[]) => ids([...rows].sort(byHost));

      await t.step("filters, each alone, in hostname order, with X-Total-Count", async () => {
        const cases: [string, Raw[]][] = [
          ["", raw],
          ["search=C00001", raw.filter((r) => r.hostname.toLowerCase().includes("c00001"))],
          ["search=%25", []],
          ["status=online", raw.filter((r) => online.includes(r.id))],
          ["status=offline", raw.filter((r) => !online.includes(r.id))],
          ["version=2.0.0-rc.1", raw.filter((r) => r.agent_version === "2.0.0-rc.1")],
          ["outdated=true", raw.filter((r) => semver.lt(r.agent_version, "1.10.0"))],
          ["outdated=false", raw.filter((r) => !semver.lt(r.agent_version, "1.10.0"))],
          ["has_errors=true", raw.filter((r) => r.have_active_errors)],
          ["has_errors=false", raw.filter((r) => !r.have_active_errors)],
          ["group=canary", raw.filter((r) => r.group === "canary")],
          ["group=nobody", []],
          ["updating=true", raw.filter((r) => updating.includes(r.id))],
          ["updating=false", raw.filter((r) => !updating.includes(r.id))],
          [
            "status=online&outdated=true&has_errors=false",
            raw.filter((r) =>
              online.includes(r.id) && semver.lt(r.agent_version, "1.10.0") && !r.have_active_errors
            ),
          ],
        ];
        for (const [query, expected] of cases) {
          const r = await get(h, `?${query}`);
          assert.equal(r.status, 200, query);
          assert.deepEqual(r.ids, sorted(expected), query);
          if (query === "updating=true") {
            assert.ok(
              (r.body as FleetComputer[]).every((c) => c.last_update_state === "downloading"),
            );
          }
          assert.equal(r.total, String(expected.length), query);
          assert.equal(r.next, null, `${query}: no limit, no cursor`);
        }
        assert.ok(raw.some((r) => r.have_active_errors) && online.length > 0);
      });

      await t.step("sorts, both orders, paged in uneven pages", async () => {
        const cases: [string, (a: Raw, b: Raw) => number][] = [
          ["hostname", byHost],
          ["last_seen", bySeen],
          ["agent_version", byVersion],
        ];
        for (const [sort, compare] of cases) {
          const asc = ids([...raw].sort(compare));
          assert.deepEqual((await get(h, `?sort=${sort}`)).ids, asc, sort);
          assert.deepEqual(await walk(h, `sort=${sort}`, 7), asc, `${sort} paged`);
          assert.deepEqual(
            await walk(h, `sort=${sort}&order=desc`, 11),
            [...asc].reverse(),
            `${sort} desc paged`,
          );
        }
      });

      await t.step("paging with a filter reaches the last computer", async () => {
        const expected = sorted(raw.filter((r) => semver.lt(r.agent_version, "1.10.0")));
        assert.deepEqual(await walk(h, "outdated=true", 5), expected);
        const last = await get(h, `?outdated=true&limit=${expected.length}`);
        assert.equal(last.next, null, "an exactly full last page has no cursor");
        assert.equal(last.total, String(expected.length));
      });

      await t.step("an empty result: [] with total 0 and no cursor", async () => {
        const r = await get(h, "?search=nothing-matches&limit=10");
        assert.deepEqual([r.body, r.total, r.next], [[], "0", null]);
      });

      await t.step("bad values are 400 validation_failed", async () => {
        const page = await get(h, "?sort=last_seen&limit=2");
        const otherSort = `sort=hostname&after=${encodeURIComponent(page.next!)}`;
        const forge = (...values: string[]) => encodeURIComponent(btoa(JSON.stringify(values)));
        const id = crypto.randomUUID();
        for (
          const q of [
            "status=maybe",
            "version=latest",
            "outdated=yes",
            "has_errors=1",
            "updating=sure",
            "sort=os",
            "order=up",
            "limit=0",
            "limit=501",
            "limit=ten",
            "after=%%%",
            "after=bm90LWpzb24",
            otherSort,
            `sort=last_seen&after=${forge("last_seen", "not-a-time", id)}`,
            `sort=last_seen&after=${forge("last_seen", "2026-02-31T00:00:00.000000Z", id)}`,
            `sort=agent_version&after=${forge("agent_version", "{1,2}x", "1.2.0", id)}`,
            `sort=hostname&after=${forge("hostname", "pc1", "not-a-uuid")}`,
            `sort=hostname&after=${forge("hostname", "pc1", "pc2", id)}`,
          ]
        ) {
          const r = await get(h, `?${q}`);
          assert.equal(r.status, 400, q);
          assert.equal(r.body.error.code, "validation_failed", q);
        }
      });

      await t.step("the fleet summary counts what the list filters", async () => {
        const res = await h.app.request("/api/admin/fleet/summary", { headers: h.adminHeaders });
        const summary = FleetSummary.parse(await res.json());
        assert.equal(summary.total, raw.length);
        assert.equal(summary.online, online.length);
        assert.equal(summary.stable_version, "1.10.0");
        assert.deepEqual(
          summary.by_version.map((v) => v.version),
          [...VERSIONS].sort(semver.rcompare),
        );
        for (const v of summary.by_version) {
          const list = await get(h, `?version=${v.version}`);
          assert.equal(String(v.count), list.total, v.version);
          const on = await get(h, `?version=${v.version}&status=online`);
          assert.equal(String(v.online), on.total, `${v.version} online`);
        }
        assert.equal(String(summary.outdated), (await get(h, "?outdated=true")).total);
        assert.equal(String(summary.with_errors), (await get(h, "?has_errors=true")).total);
        assert.equal(summary.updating, updating.length);
        assert.equal(summary.failed, failed.length);
        assert.deepEqual(
          summary.by_group.map((g) => g.group).sort(),
          [...GROUPS].sort(),
        );
        assert.equal(summary.by_group.reduce((n, g) => n + g.count, 0), raw.length);
        assert.equal(summary.active_rollout, null);
      });
    },
  });

  Deno.test({
    name: `GET /api/admin/fleet/summary on an empty fleet (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const res = await h.app.request("/api/admin/fleet/summary", { headers: h.adminHeaders });
      const summary = FleetSummary.parse(await res.json());
      assert.deepEqual(
        [summary.total, summary.online, summary.stable_version, summary.by_version],
        [0, 0, null, []],
      );
    },
  });

  Deno.test({
    name: `GET /api/admin/fleet/summary names the active rollout (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const stable = await uploadVersion(h, "1.1.0");
      assert.equal((await setStable(h, stable.id, true)).status, 200);
      const next = await uploadVersion(h, "1.2.0");
      await h.registerAgent("pc-rollout", "1.1.0");
      const created = await h.app.request("/api/admin/rollouts", {
        method: "POST",
        headers: { ...h.adminHeaders, "content-type": "application/json" },
        body: JSON.stringify({ version_id: next.id, stages: [{ percent: 100, wait_s: 3600 }] }),
      });
      assert.equal(created.status, 201);
      const rollout = await created.json();
      const res = await h.app.request("/api/admin/fleet/summary", { headers: h.adminHeaders });
      const summary = FleetSummary.parse(await res.json());
      assert.equal(summary.active_rollout?.id, rollout.id);
      assert.equal(summary.active_rollout?.version, "1.2.0");
      assert.equal(summary.active_rollout?.status, "running");
    },
  });
}
