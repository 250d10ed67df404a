/**
 * check_update: requests/s and p99 latency of `GET /api/agent/check_update`
 * as enrolled agents (auth headers, a stable version to offer) against the
 * server's bare Hono route `GET /api/health` in the same run, over raw
 * keep-alive connections so the server, not the client, is the limit.
 * Rounds alternate (bare, agent, ...) so drift hits both alike; a warm-up
 * first lets each agent's once-a-minute `last_seen_at` write happen outside
 * the measurement. The server's CPU time per request is reported too: on a
 * shared machine it moves less than the rate does.
 */
import { makeBenchPackage } from "../packages.ts";
import { cpuSeconds } from "../process.ts";
import { progress } from "../report.ts";
import {
  type Context,
  enroll,
  figure,
  type Processes,
  profiled,
  withProcesses,
} from "../scenario.ts";
import { markStable, uploadPackage } from "../server.ts";

const NAME = "check_update";
const CONCURRENCY = 32;
const ROUNDS = 3;

export interface Round {
  rps: number;
  p99: number;
  /** Server CPU microseconds per request. */
  cpuUs: number;
}

/** A request the load process repeats: a path, its expected status, agent headers or not. */
export interface RateTarget {
  path: string;
  expectStatus: number;
  agentAuth: boolean;
}

export const median = (values: number[]) =>
  values.slice().sort((a, b) => a - b)[values.length >> 1];

/** One measured round of `what` for `ms`: rate, p99 and the server's CPU per request. */
export async function rateRound(p: Processes, what: RateTarget, ms: number): Promise<Round> {
  const cpu = await cpuSeconds(p.server.pid);
  const r = await p.load.call("rate", { ...what, concurrency: CONCURRENCY, ms }, ms + 60_000);
  if (r.errors > 0) {
    throw new Error(`${what.path}: ${r.errors} failed requests: ${r.last_error}`);
  }
  const cpuUs = (await cpuSeconds(p.server.pid) - cpu) * 1e6 / r.requests;
  return { rps: r.rps, p99: r.p99_ms, cpuUs };
}

export async function runCheckUpdate(ctx: Context): Promise<void> {
  const agents = ctx.scale.quick ? 100 : 1000;
  await withProcesses(ctx, { connections: agents }, async (p) => {
    const pkg = await makeBenchPackage(ctx.workDir, "1.1.0", 1024);
    await markStable(p.server, (await uploadPackage(p.server, pkg.path, "1.1.0")).record.id);
    await enroll(p, agents);
    const check = {
      path: "/api/agent/check_update?current_version=1.0.0",
      expectStatus: 200,
      agentAuth: true,
    };
    const bare = { path: "/api/health", expectStatus: 200, agentAuth: false };
    const run = (what: RateTarget, ms: number) => rateRound(p, what, ms);
    // Long enough for every agent to authenticate once (and be cached) before measuring.
    await run(check, Math.max(2_000, ctx.scale.rateMs / 2));
    await run(bare, 1_000);
    const results: Record<"bare" | "check", Round[]> = { bare: [], check: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [kind, what] of [["bare", bare], ["check", check]] as const) {
        const r = await profiled(
          ctx,
          p.server,
          `check_update-${kind}-${round}`,
          () => run(what, ctx.scale.rateMs),
        );
        progress(
          `${kind} round ${round}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms, ` +
            `server ${r.cpuUs.toFixed(1)} µs CPU per request`,
        );
        results[kind].push(r);
      }
    }
    const of = (kind: "bare" | "check", key: keyof Round) =>
      median(results[kind].map((r) => r[key]));
    figure(ctx, NAME, {
      name: "rate_vs_bare_route",
      value: of("check", "rps") / of("bare", "rps"),
      unit: "ratio",
      target: { op: ">=", limit: 0.9 },
      note: `median of ${ROUNDS} rounds, ${CONCURRENCY} connections, ${agents} agents in turn; ` +
        `the load process shares the cores, so this moves with it`,
    });
    figure(ctx, NAME, {
      name: "server_cpu_vs_bare",
      value: of("check", "cpuUs") / of("bare", "cpuUs"),
      unit: "x",
      target: { op: "<=", limit: 1.25 },
      note: `server CPU per request, median of ${ROUNDS} rounds: ${
        of("check", "cpuUs").toFixed(1)
      } µs against ${of("bare", "cpuUs").toFixed(1)} µs for the bare route`,
    });
    figure(ctx, NAME, {
      name: "check_update_rate",
      value: of("check", "rps"),
      unit: "req/s",
      baseline: of("bare", "rps"),
    });
    figure(ctx, NAME, {
      name: "check_update_p99",
      value: of("check", "p99"),
      unit: "ms",
      baseline: of("bare", "p99"),
    });
    figure(ctx, NAME, {
      name: "server_cpu_per_request",
      value: of("check", "cpuUs"),
      unit: "µs",
      baseline: of("bare", "cpuUs"),
    });
  });
}
