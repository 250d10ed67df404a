/**
 * stampede: the whole connected fleet hears "new version" at once. Each
 * simulated agent calls check_update and downloads the 1 MiB package the way
 * the agent does, by the agent's own retry rule (agent/net/download_policy.ts:
 * 503 + Retry-After waited out with jitter, using up no attempt);
 * probes keep timing check_update throughout. Every agent must finish, none
 * may give up, and check_update's p99 must stay under 200 ms in every second.
 */
import { makeBenchPackage } from "../packages.ts";
import { MiB } from "../process.ts";
import { progress } from "../report.ts";
import type { Commands } from "../load/commands.ts";
import { startLoad } from "../load_process.ts";
import { connect, type Context, enroll, figure, wallMs, withProcesses } from "../scenario.ts";
import { markStable, uploadPackage } from "../server.ts";

const NAME = "stampede";
const PROBES = 4;
/**
 * Below the server's default (500): a 1 MiB reply leaves the server as soon as
 * the kernel has taken it, so only a tighter cap shows the fleet being turned
 * away with 503 + Retry-After and coming back.
 */
const DOWNLOAD_CAP = 50;
const CHECK = "/api/agent/check_update?current_version=1.0.0";

type Finish = Awaited<ReturnType<Commands["stampedeFinish"]>>;
type Probed = Awaited<ReturnType<Commands["probeStop"]>>;

export async function runStampede(ctx: Context): Promise<void> {
  const n = ctx.scale.agents;
  const pkg = await makeBenchPackage(ctx.workDir, "1.1.0", MiB);
  // Room for the fleet's sockets plus the downloads in flight.
  const env = { MAX_CONCURRENT_DOWNLOADS: String(DOWNLOAD_CAP) };
  await withProcesses(ctx, { connections: n + 5_000, env }, async (p) => {
    const { record } = await uploadPackage(p.server, pkg.path, "1.1.0");
    await enroll(p, n);
    await connect(p, n);
    // Steady agents in a process of their own time check_update before, during and after.
    const prober = startLoad(1024);
    try {
      await prober.call("enroll", {
        server: p.server.url,
        token: p.server.enrollmentToken,
        count: PROBES,
        concurrency: PROBES,
      }, 60_000);
      await prober.call("probeStart", { path: CHECK, pauseMs: 20 }, 10_000);
      await p.load.call("stampedeArm", {}, 10_000);
      await new Promise((r) => setTimeout(r, 2_000));
      const t0 = wallMs();
      await markStable(p.server, record.id);
      progress(`${record.version} marked stable; ${n} agents updating`);
      // Agents that have not finished by then count as not completed (a real agent's hourly
      // check would try again later; the simulated ones do not).
      const r = await p.load.call("stampedeFinish", { t0, timeoutMs: 5 * 60_000 }, 6 * 60_000);
      const probed = await prober.call("probeStop", { t0: t0 - 2_000 }, 60_000);
      report(ctx, n, pkg.size, r, probed);
    } finally {
      await prober.stop();
    }
    await p.load.call("closeAll", {}, 60_000);
  });
}

function report(ctx: Context, n: number, size: number, r: Finish, probed: Probed): void {
  progress(
    `${r.completed} completed, ${r.failed} failed (${r.first_failure}), ${r.busy_replies} busy ` +
      `replies, last done after ${(r.done_max_ms / 1000).toFixed(1)} s`,
  );
  figure(ctx, NAME, {
    name: "downloads_completed",
    value: r.completed,
    unit: "agents",
    target: { op: ">=", limit: n },
    note: `${(size / MiB).toFixed(1)} MiB package`,
  });
  figure(ctx, NAME, {
    name: "downloads_failed",
    value: r.failed,
    unit: "agents",
    target: { op: "<=", limit: 0 },
    note: r.failure_kinds,
  });
  figure(ctx, NAME, {
    name: "check_update_worst_second_p99",
    value: probed.worst_second_p99_ms,
    unit: "ms",
    target: { op: "<=", limit: 200 },
    note: `${PROBES} steady agents, ${probed.checks} checks, p99 overall ` +
      `${probed.p99_ms.toFixed(1)} ms, max ${probed.max_ms.toFixed(0)} ms, ${probed.errors} errors`,
  });
  figure(ctx, NAME, {
    name: "fleet_check_update_p99",
    value: r.check_p99_ms,
    unit: "ms",
    note: `the ${r.checks} checks the notified agents made, p50 ${r.check_p50_ms.toFixed(0)} ms, ` +
      `timed inside the load process, whose event loop ran up to ` +
      `${r.load_loop_lag_max_ms.toFixed(0)} ms late`,
  });
  figure(ctx, NAME, {
    name: "all_downloaded_after",
    value: r.done_max_ms / 1000,
    unit: "s",
    note: `median agent done after ${(r.done_p50_ms / 1000).toFixed(1)} s`,
  });
  figure(ctx, NAME, {
    name: "busy_replies",
    value: r.busy_replies,
    unit: "503s",
    note: `MAX_CONCURRENT_DOWNLOADS=${DOWNLOAD_CAP}; busy replies use up no attempt; most ` +
      `attempts by one agent: ${r.max_attempts}`,
  });
  figure(ctx, NAME, {
    name: "dropped_sockets",
    value: r.dropped_sockets,
    unit: "sockets",
    note: `closed by the server during the run; ${r.reconnects} reconnected and checked`,
  });
}
