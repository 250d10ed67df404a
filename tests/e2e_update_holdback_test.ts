/**
 * End to end, real processes only (issue 13, item 1: no update loops): a
 * server, a real portable 1.0.0 agent with its real updater, and a stable
 * 1.1.0 that fails on this computer every time, one way per step:
 *
 * - refused by the updater: the install dir sits on a small tmpfs, so the
 *   updater's step 2 (verify into staging) runs out of space before it has
 *   read the package's version (`to_version: null`) — root only;
 * - no space at the agent's resource check (HANGAR_FAKE_FREE_BYTES);
 * - launch failure: 1.1.0's agent exits at start, the updater rolls back;
 * - checksum: the link flips a byte of every download (helpers/tcp_proxy.ts).
 *
 * Each failure must be reported once and hold 1.1.0 back for a growing time
 * (here 4 s, 8 s, 16 s...), so over a window the attempts stay within what
 * that schedule allows — where the loop this replaces made one or more a second.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { BuiltPackage } from "../tools/release/build_package.ts";
import { withLogs } from "./helpers/e2e_setup.ts";
import {
  portablePackage,
  type ProxiedE2E,
  type ProxiedOptions,
  setUpProxiedAgent,
} from "./helpers/proxied_e2e.ts";
import { getComputerErrors, markStable, uploadPackage, waitFor } from "./helpers/server_process.ts";
import type { ComputerError } from "../protocol/mod.ts";

const MiB = 1024 * 1024;
const FIRST_HOLD_S = 4;
/** How long each case watches after its first failure. */
const WINDOW_S = 30;
const EXITS_AT_START = 'console.error("this agent build is broken");\nDeno.exit(3);\n';

/** Attempts a schedule of holds (first, doubling, each up to 10% shorter) allows in `windowS`. */
function mostAttempts(windowS: number): number {
  let attempts = 1;
  for (let at = 0, hold = FIRST_HOLD_S * 0.9; at + hold <= windowS; at += hold, hold *= 2) {
    attempts++;
  }
  return attempts;
}

async function updateErrors(e2e: ProxiedE2E): Promise<ComputerError[]> {
  return (await getComputerErrors(e2e.server, e2e.agent.computerId))
    .filter((e) => e.error_type.startsWith("Update"));
}

interface Case {
  name: string;
  types: string[];
  /** Built from the tree, changed as the case needs. */
  broken: (work: string) => Promise<BuiltPackage>;
  setUp?: Partial<ProxiedOptions>;
  /** Returns false when this machine cannot run the case (then it is skipped, and says so). */
  prepare?: (work: string) => Promise<{ parentDir?: string; cleanup(): Promise<void> } | false>;
}

const CASES: Case[] = [
  {
    name: "refused by the updater (no space for staging; to_version null)",
    types: ["UpdateExtractionFailed", "UpdateResourceCheckFailed"],
    // 24 MiB of zeros: a tiny zip, so the agent's check passes, and a staging the tmpfs cannot hold.
    broken: (work) => portablePackage(join(work, "p"), "1.1.0", 24 * MiB, { zeros: true }),
    async prepare(work) {
      const mount = join(work, "small-disk");
      await Deno.mkdir(mount);
      const out = await new Deno.Command("mount", {
        args: ["-t", "tmpfs", "-o", "size=6m", "tmpfs", mount],
        stderr: "piped",
      }).output().catch(() => null);
      if (!out?.success) return false;
      return {
        parentDir: mount,
        async cleanup() {
          await new Deno.Command("umount", { args: ["-l", mount] }).output().catch(() => {});
        },
      };
    },
  },
  {
    name: "no space at the agent's resource check",
    types: ["UpdateResourceCheckFailed"],
    broken: (work) => portablePackage(join(work, "p"), "1.1.0"),
    setUp: { env: { HANGAR_FAKE_FREE_BYTES: "1000" } },
  },
  {
    name: "launch failure: the new agent exits at start and is rolled back",
    types: ["UpdateLaunchFailed"],
    broken: (work) =>
      portablePackage(join(work, "p"), "1.1.0", 0, {
        edit: (dir) => Deno.writeTextFile(join(dir, "agent.js"), EXITS_AT_START),
      }),
  },
  {
    name: "checksum: the link corrupts every download",
    types: ["UpdateChecksumMismatch"],
    broken: (work) => portablePackage(join(work, "p"), "1.1.0"),
    setUp: { proxy: { corruptAt: 20_000 } },
  },
];

for (const c of CASES) {
  Deno.test({
    name: `e2e: a stable release that always fails here is held back, not looped: ${c.name}`,
    ignore: Deno.build.os === "windows", // the portable launchers are shell scripts
    async fn() {
      const work = await Deno.makeTempDir({ prefix: "hangar-e2e-holdback-" });
      const prepared = c.prepare ? await c.prepare(work) : { cleanup: async () => {} };
      if (prepared === false) {
        console.warn(`skipped: cannot mount a tmpfs here (needs root): ${c.name}`);
        await Deno.remove(work, { recursive: true });
        return;
      }
      let e2e: ProxiedE2E | undefined;
      try {
        const first = await portablePackage(join(work, "first"), "1.0.0");
        const broken = await c.broken(work);
        e2e = await setUpProxiedAgent({
          prefix: "holdback",
          work: join(work, "e2e"),
          first,
          parentDir: prepared.parentDir,
          ...c.setUp,
          config: { check_interval_s: 1, failed_version_retry_s: FIRST_HOLD_S },
        });
        const record = await uploadPackage(e2e.server, broken.zipPath, "1.1.0");
        await markStable(e2e.server, record.id);
        const agent = e2e.agent;
        const server = e2e;

        const [first1] = await withLogs(
          agent,
          waitFor("the first failure on the server", async () => {
            const errors = await updateErrors(server);
            return errors.length > 0 ? errors : undefined;
          }, 120_000),
        );
        assert.ok(
          c.types.includes(first1.error_type),
          `${first1.error_type}: ${first1.error_message}`,
        );
        assert.equal(
          first1.error_details.to_version ?? first1.error_details.target_version,
          "1.1.0",
        );
        if (first1.error_details.failed_step === "2-verify") {
          // The updater refused before it read the version: the agent's attempt record named it.
          assert.equal(typeof first1.error_details.attempt_id, "string");
        }
        await new Promise((r) => setTimeout(r, WINDOW_S * 1000));

        const errors = await updateErrors(server);
        const bound = mostAttempts(WINDOW_S);
        assert.ok(
          errors.length >= 2 && errors.length <= bound,
          `${errors.length} failures in ${WINDOW_S} s (held back: at most ${bound}):\n` +
            errors.map((e) => `${e.reported_at} ${e.error_type}`).join("\n"),
        );
        // Each failure was reported once: the agent's count is the server's.
        const held = JSON.parse(
          await Deno.readTextFile(join(agent.dir, "config", "failed_update.json")),
        ).versions.find((v: { version: string }) => v.version === "1.1.0");
        assert.ok(
          held.failures === errors.length || held.failures === errors.length + 1,
          `agent counted ${held.failures}, server stored ${errors.length}`,
        );
        const holdS = (Date.parse(held.hold_until) - Date.parse(held.last_failed_at)) / 1000;
        const nominal = FIRST_HOLD_S * 2 ** (held.failures - 1);
        assert.ok(holdS >= nominal * 0.89 && holdS <= nominal * 1.11, `hold ${holdS} s`);
        assert.match(await agent.agentLog(), /Update to 1.1.0 skipped: it failed here before/);
      } finally {
        await e2e?.close();
        await prepared.cleanup();
        await Deno.remove(work, { recursive: true }).catch(() => {});
      }
    },
  });
}
