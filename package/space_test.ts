import assert from "node:assert/strict";
import type { Manifest } from "./manifest.ts";
import { spaceNeeded } from "./space.ts";

const MiB = 1024 * 1024;
const file = (path: string, size: number) => ({ path, sha256: "0".repeat(64), size });
/** A portable package: 381 KB of zip that unpacks to 1.8 MB, as the probe measured. */
const PORTABLE: Manifest = {
  name: "hangar-agent",
  version: "1.1.0",
  platform: "portable",
  agent: "agent",
  updater: "updater",
  files: [
    file("agent", 200),
    file("agent.js", 1_100_000),
    file("agent.cmd", 100),
    file("updater", 200),
    file("updater.js", 700_000),
    file("updater.cmd", 100),
  ],
};

Deno.test("spaceNeeded comes from the manifest's sizes, not a multiple of the zip", async (t) => {
  await t.step("before the download: the zip and the margin's floor", () => {
    assert.deepEqual(spaceNeeded({ download: 381_000 }), {
      download_bytes: 381_000,
      staging_bytes: 0,
      updater_bytes: 0,
      backup_bytes: 0,
      margin_bytes: MiB,
      required_bytes: 381_000 + MiB,
    });
  });
  await t.step("the agent's step 4: every file staged, the updater's files copied", () => {
    const need = spaceNeeded({ manifest: PORTABLE, updaterCopy: true });
    assert.equal(need.staging_bytes, 1_800_600);
    assert.equal(need.updater_bytes, 700_300);
    assert.equal(need.required_bytes, 1_800_600 + 700_300 + MiB);
    assert.ok(need.required_bytes > 3 * 381_000, "more than the old 3x the zip");
  });
  await t.step("the margin is 10 % of a large update", () => {
    const big = { ...PORTABLE, files: [file("agent", 500 * MiB), file("updater", 100 * MiB)] };
    const need = spaceNeeded({ download: 300 * MiB, manifest: big });
    assert.equal(need.margin_bytes, 90 * MiB);
    assert.equal(need.required_bytes, 990 * MiB);
  });
});
