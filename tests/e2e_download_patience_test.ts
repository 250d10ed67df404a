/**
 * End to end, real processes only: a server, a real portable 1.0.0 agent
 * (with its real updater) whose every request goes through a TCP proxy
 * (helpers/tcp_proxy.ts) that plays a bad link on package downloads. Shows
 * issue 18: a link that drops every connection after 1 MiB still delivers a
 * 12 MiB release (by resuming, not restarting); an agent killed mid-download
 * resumes from its part file after a restart, or starts over when the server
 * offers another version by then; a link that delivers nothing makes the
 * agent give up after the configured attempts, report once, and try again
 * at a later check; and a 1 MiB/s limit set on the computer holds at the
 * agent's socket.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { BuiltPackage } from "../tools/release/build_package.ts";
import { waitForComputer, withLogs } from "./helpers/e2e_setup.ts";
import {
  killAll,
  portablePackage,
  type ProxiedE2E,
  setUpProxiedAgent,
} from "./helpers/proxied_e2e.ts";
import type { TcpProxyOptions } from "./helpers/tcp_proxy.ts";
import {
  adminFetch,
  getComputerErrors,
  markStable,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";

const MiB = 1024 * 1024;
const POSIX = Deno.build.os !== "windows"; // the portable launchers are shell scripts

/** Packages are built once per file, each test copies what it needs into its own work dir. */
const built = new Map<string, Promise<BuiltPackage>>();
let shared: string | undefined;
async function pkg(version: string, padBytes = 0): Promise<BuiltPackage> {
  shared ??= await Deno.makeTempDir({ prefix: "hangar-e2e-patience-pkgs-" });
  const key = `${version}+${padBytes}`;
  if (!built.has(key)) {
    built.set(key, portablePackage(join(shared, key), version, padBytes));
  }
  return await built.get(key)!;
}

async function setUp(
  prefix: string,
  proxy: TcpProxyOptions,
  config: Record<string, unknown> = {},
): Promise<ProxiedE2E> {
  const work = await Deno.makeTempDir({ prefix: `hangar-e2e-${prefix}-` });
  return await setUpProxiedAgent({ prefix, work, first: await pkg("1.0.0"), proxy, config });
}

async function release(e2e: ProxiedE2E, made: BuiltPackage): Promise<void> {
  const record = await uploadPackage(e2e.server, made.zipPath, made.version);
  await markStable(e2e.server, record.id);
}

function waitForHealth(e2e: ProxiedE2E, version: string, ms = 120_000) {
  return withLogs(
    e2e.agent,
    waitFor(`${version} health`, () => e2e.agent.healthyAt(version), ms),
  );
}

async function updateErrors(e2e: ProxiedE2E) {
  return (await getComputerErrors(e2e.server, e2e.agent.computerId))
    .filter((e) => e.error_type.startsWith("Update"));
}

/** The byte each resumed request starts at; null for a request from byte 0. */
function rangeStarts(requests: (string | null)[]): (number | null)[] {
  return requests.map((r) => r === null ? null : Number(/^bytes=(\d+)-$/.exec(r)?.[1]));
}

Deno.test({
  name: "e2e: a 12 MiB release installs through a link that cuts every connection after 1 MiB",
  ignore: !POSIX,
  async fn() {
    const e2e = await setUp("cut", { cutAfterBytes: MiB });
    try {
      const big = await pkg("1.1.0", 12 * MiB);
      await release(e2e, big);
      // What the admin page shows meanwhile: the attempt's download progress (issue 18, item 4).
      const progress = new Set<number>();
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const attempts = await adminFetch<{ state: string; progress: number | null }[]>(
            e2e.server,
            `/computers/${e2e.agent.computerId}/updates`,
          ).catch(() => []);
          const p = attempts[0]?.state === "downloading" ? attempts[0].progress : null;
          if (p !== null && p > 0 && p < 1) progress.add(p);
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      try {
        await waitForHealth(e2e, "1.1.0");
      } finally {
        watching = false;
        await watcher;
      }
      assert.ok(progress.size > 0, "a download progress between 0 and 1 was shown");
      await waitForComputer(
        e2e.server,
        e2e.agent.computerId,
        "on 1.1.0",
        (c) => c.agent_version === "1.1.0",
      );
      assert.deepEqual(await updateErrors(e2e), [], "no update error stored");

      const starts = rangeStarts(e2e.proxy.packageRequests);
      assert.ok(starts.length >= 12, `package requests: ${JSON.stringify(starts)}`);
      assert.equal(starts[0], null, "the first request starts at byte 0");
      // Every later request resumes where the last one ended: never from zero again.
      for (let i = 1; i < starts.length; i++) {
        assert.ok(
          starts[i] !== null && starts[i]! > (starts[i - 1] ?? 0),
          `request ${i} starts at ${starts[i]} after ${starts[i - 1]}`,
        );
      }
      assert.ok(e2e.proxy.cuts() >= 12, `cuts: ${e2e.proxy.cuts()}`);
      assert.ok(
        e2e.proxy.deliveredBytes() < big.size * 1.05,
        `${e2e.proxy.deliveredBytes()} bytes carried for a ${big.size}-byte package`,
      );
      assert.match(await e2e.agent.agentLog(), /Download interrupted; will resume/);
    } finally {
      await e2e.close();
    }
  },
});

/** Starts the 8 MiB 1.1.0 download, lets half of it through, and SIGKILLs the agent. */
async function killHalfway(e2e: ProxiedE2E): Promise<{ big: BuiltPackage; half: number }> {
  const big = await pkg("1.1.0", 8 * MiB);
  const half = Math.floor(big.size / 2);
  e2e.proxy.setOptions({ stallAfterBytes: half });
  await release(e2e, big);
  const part = join(e2e.agent.dir, "_update", "package-1.1.0.zip.part");
  await withLogs(
    e2e.agent,
    waitFor("half the package in the part file", async () => {
      const size = (await Deno.stat(part).catch(() => null))?.size ?? 0;
      return size >= half - 4096 ? size : undefined;
    }, 60_000),
  );
  await killAll(e2e.agent);
  return { big, half };
}

Deno.test({
  name: "e2e: an agent SIGKILLed half-way through a download resumes from its part file",
  ignore: !POSIX,
  async fn() {
    const e2e = await setUp("killed", {}, { download_idle_timeout_s: 120 });
    try {
      const { big, half } = await killHalfway(e2e);
      const before = e2e.proxy.packageRequests.length;
      e2e.proxy.setOptions({});
      e2e.agent.start();
      await waitForHealth(e2e, "1.1.0");

      const after = rangeStarts(e2e.proxy.packageRequests.slice(before));
      assert.ok(after[0] !== null && after[0] >= half - 4096, `resumed at ${after[0]}`);
      const total = e2e.proxy.deliveredBytes();
      assert.ok(total < big.size * 1.2, `${total} bytes fetched for a ${big.size}-byte package`);
      assert.match(await e2e.agent.agentLog(), /Found a partial download; resuming it/);
      assert.deepEqual(await updateErrors(e2e), []);
    } finally {
      await e2e.close();
    }
  },
});

Deno.test({
  name: "e2e: a version changed while the agent was down: the download starts over and installs it",
  ignore: !POSIX,
  async fn() {
    const e2e = await setUp("changed", {}, { download_idle_timeout_s: 120 });
    try {
      await killHalfway(e2e);
      const before = e2e.proxy.packageRequests.length;
      e2e.proxy.setOptions({});
      await release(e2e, await pkg("1.2.0"));
      e2e.agent.start();
      await waitForHealth(e2e, "1.2.0");

      const after = e2e.proxy.packageRequests.slice(before);
      assert.deepEqual(after, [null], "one request, from byte 0");
      assert.equal(await e2e.agent.exists("_update/package-1.1.0.zip.part"), false);
      await waitForComputer(
        e2e.server,
        e2e.agent.computerId,
        "on 1.2.0",
        (c) => c.agent_version === "1.2.0",
      );
    } finally {
      await e2e.close();
    }
  },
});

Deno.test({
  name: "e2e: a link that delivers nothing: the agent gives up, reports once, tries again later",
  ignore: !POSIX,
  async fn() {
    const e2e = await setUp("nothing", { stallAfterBytes: 0 }, {
      download_idle_timeout_s: 1,
      download_max_idle_attempts: 3,
      download_retry_max_s: 1,
      failed_version_retry_s: 5,
    });
    try {
      await release(e2e, await pkg("1.1.0"));
      const failed = await withLogs(
        e2e.agent,
        waitFor("UpdateDownloadFailed on the server", async () => {
          const errors = await updateErrors(e2e);
          return errors.length > 0 ? errors : undefined;
        }, 60_000),
      );
      assert.equal(failed.length, 1);
      assert.equal(failed[0].error_type, "UpdateDownloadFailed");
      assert.equal(failed[0].error_details.attempts, 3);
      assert.equal(failed[0].error_details.idle_attempts, 3);
      assert.equal(failed[0].error_details.received_bytes, 0);
      assert.match(String(failed[0].error_details.reason), /3 attempts in a row received nothing/);
      assert.equal(e2e.proxy.packageRequests.length, 3, "no attempt beyond the configured 3");

      // Held back for ~5 s, then a later check tries again: one report so far.
      await withLogs(
        e2e.agent,
        waitFor(
          "a new attempt",
          () => Promise.resolve(e2e.proxy.packageRequests.length >= 4 ? true : undefined),
          60_000,
        ),
      );
      assert.equal((await updateErrors(e2e)).length, 1, "reported once per give-up");
      assert.match(await e2e.agent.agentLog(), /Update to 1.1.0 skipped: it failed here before/);
    } finally {
      await e2e.close();
    }
  },
});

Deno.test({
  name: "e2e: a 1 MiB/s limit on the computer: 5 MiB take over 4.5 s, never 1.2 MiB in a second",
  ignore: !POSIX,
  async fn() {
    const e2e = await setUp("limit", {});
    try {
      // download_limit_kbps counts kilobits (1,000 bits): 8,389 kbps is 1 MiB/s.
      await adminFetch(e2e.server, `/computers/${e2e.agent.computerId}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ download_limit_kbps: 8389 }),
      });
      const base = await pkg("1.0.0");
      const big = await pkg("1.1.0", 5 * MiB - base.size);
      await release(e2e, big);
      await waitForHealth(e2e, "1.1.0");

      const deliveries = e2e.proxy.deliveries;
      const seconds = (deliveries.at(-1)![0] - deliveries[0][0]) / 1000;
      assert.ok(seconds >= 4.5, `${big.size} bytes in ${seconds.toFixed(2)} s`);
      const most = e2e.proxy.maxInWindow(1000);
      assert.ok(most <= 1.2 * MiB, `${(most / MiB).toFixed(3)} MiB in one second`);
      assert.ok(e2e.proxy.packageRequests.length >= 30, "fetched in slices");
      assert.match(await e2e.agent.agentLog(), /"bytes_per_second":1048625/);
    } finally {
      await e2e.close();
    }
  },
});

globalThis.addEventListener("unload", () => {
  if (shared) Deno.removeSync(shared, { recursive: true });
});
