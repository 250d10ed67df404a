import assert from "node:assert/strict";
import { bucketOf, cohortAt, inCohort, mayReceive } from "./rollout_cohort.ts";

Deno.test("bucketOf is stable and spreads computers evenly over 0..99", () => {
  const rollout = crypto.randomUUID();
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 20_000; i++) {
    const id = crypto.randomUUID();
    const bucket = bucketOf(rollout, id);
    assert.equal(bucketOf(rollout, id), bucket);
    assert.ok(bucket >= 0 && bucket < 100);
    counts[Math.floor(bucket / 10)]++;
  }
  for (const n of counts) assert.ok(n > 1700 && n < 2300, `decile holds ${n} of 20000`);
});

Deno.test("bucketOf draws another cohort for another rollout", () => {
  const ids = Array.from({ length: 1000 }, () => crypto.randomUUID());
  const a = ids.filter((id) => bucketOf("rollout-a", id) < 10);
  const b = ids.filter((id) => bucketOf("rollout-b", id) < 10);
  assert.notDeepEqual(a, b);
});

Deno.test("cohortAt is cumulative over stages", async (t) => {
  const stages = [{ groups: ["canary"], wait_s: 0 }, { percent: 10, wait_s: 0 }, {
    percent: 5,
    groups: ["office"],
    wait_s: 0,
  }];
  const table: [number, number, string[]][] = [
    [-1, 0, []],
    [0, 0, ["canary"]],
    [1, 10, ["canary"]],
    [2, 10, ["canary", "office"]],
  ];
  for (const [index, percent, groups] of table) {
    await t.step(`stage ${index}`, () => {
      const cohort = cohortAt(stages, index);
      assert.equal(cohort.percent, percent);
      assert.deepEqual([...cohort.groups].sort(), groups);
    });
  }
});

Deno.test("inCohort takes a named group whatever its bucket, and 100% takes everyone", () => {
  const id = crypto.randomUUID();
  assert.equal(
    inCohort({ percent: 0, groups: new Set(["canary"]) }, "r", { id, group: "canary" }),
    true,
  );
  assert.equal(
    inCohort({ percent: 0, groups: new Set(["canary"]) }, "r", { id, group: "x" }),
    false,
  );
  assert.equal(inCohort({ percent: 100, groups: new Set() }, "r", { id, group: "x" }), true);
});

Deno.test("mayReceive refuses a paused computer and a version above the pin", () => {
  assert.equal(mayReceive({ updates_paused: true, pinned_version: null }, "2.0.0"), false);
  assert.equal(mayReceive({ updates_paused: false, pinned_version: "1.5.0" }, "2.0.0"), false);
  assert.equal(mayReceive({ updates_paused: false, pinned_version: "2.0.0" }, "2.0.0"), true);
  assert.equal(mayReceive({ updates_paused: false, pinned_version: null }, "2.0.0"), true);
});

Deno.test("bucketOf is FNV-1a of `rollout:computer` with a murmur3 finaliser, as stored rollouts drew it", () => {
  // The rule of the first release, written out: an upgrade must not move computers between cohorts.
  const reference = (rollout: string, computer: string) => {
    const key = rollout + ":" + computer;
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return (h >>> 0) % 100;
  };
  for (let i = 0; i < 2_000; i++) {
    const rollout = crypto.randomUUID();
    const computer = crypto.randomUUID();
    assert.equal(bucketOf(rollout, computer), reference(rollout, computer));
  }
});
