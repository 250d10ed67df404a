/**
 * check_update_rollout: `GET /api/agent/check_update` while a rollout is
 * running (50% cohort) over 10,000 enrolled computers (1,000 with --quick),
 * against the same route with the rollout paused (no cohort to decide) and
 * the bare route, in alternating rounds. The cohort decision reads only
 * memory, so the rollout should cost under 10%.
 */
import { makeBenchPackage } from "../packages.ts";
import { progress } from "../report.ts";
import { type Context, enroll, figure, withProcesses } from "../scenario.ts";
import { seedServerFleet } from "../seed_fleet.ts";
import { type BenchServer, markStable, uploadPackage } from "../server.ts";
import { median, rateRound, type Round } from "./check_update.ts";

const NAME = "check_update_rollout";
const ROUNDS = 3;

async function admin(server: BenchServer, path: string, body?: unknown): Promise<{ id: string }> {
  const res = await fetch(`${server.url}/api/admin${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

export async function runCheckUpdateRollout(ctx: Context): Promise<void> {
  const agents = Math.min(ctx.scale.agents, ctx.scale.quick ? 100 : 1000);
  const fleet = ctx.scale.quick ? 1_000 : 10_000;
  await withProcesses(ctx, { connections: agents }, async (p) => {
    progress(`seeding ${fleet - agents} computers`);
    await seedServerFleet(p.server, { count: fleet - agents, versions: ["1.0.0"] });
    const stable = await makeBenchPackage(ctx.workDir, "1.1.0", 1024);
    await markStable(p.server, (await uploadPackage(p.server, stable.path, "1.1.0")).record.id);
    const next = await makeBenchPackage(ctx.workDir, "1.2.0", 1024);
    const version = (await uploadPackage(p.server, next.path, "1.2.0")).record;
    await enroll(p, agents);
    const rollout = await admin(p.server, "/rollouts", {
      version_id: version.id,
      stages: [{ percent: 50, wait_s: 86_400 }, { percent: 100, wait_s: 86_400 }],
    });
    const check = {
      path: "/api/agent/check_update?current_version=1.0.0",
      expectStatus: 200,
      agentAuth: true,
    };
    const bare = { path: "/api/health", expectStatus: 200, agentAuth: false };
    // Every agent authenticates once (and is cached) before measuring.
    await rateRound(p, check, Math.max(2_000, ctx.scale.rateMs / 2));
    const results: Record<"bare" | "paused" | "running", Round[]> = {
      bare: [],
      paused: [],
      running: [],
    };
    for (let round = 1; round <= ROUNDS; round++) {
      results.bare.push(await rateRound(p, bare, ctx.scale.rateMs));
      await admin(p.server, `/rollouts/${rollout.id}/pause`);
      results.paused.push(await rateRound(p, check, ctx.scale.rateMs));
      await admin(p.server, `/rollouts/${rollout.id}/resume`);
      results.running.push(await rateRound(p, check, ctx.scale.rateMs));
      progress(
        `round ${round}: bare ${results.bare[round - 1].rps.toFixed(0)}, paused ` +
          `${results.paused[round - 1].rps.toFixed(0)}, running ` +
          `${results.running[round - 1].rps.toFixed(0)} req/s`,
      );
    }
    const rps = (kind: keyof typeof results) => median(results[kind].map((r) => r.rps));
    const note = `median of ${ROUNDS} rounds, ${agents} agents in turn, ${fleet} computers`;
    figure(ctx, NAME, {
      name: "rollout_rate_vs_bare_route",
      value: rps("running") / rps("bare"),
      unit: "ratio",
      target: { op: ">=", limit: 0.9 },
      note,
    });
    const cpu = (kind: keyof typeof results) => median(results[kind].map((r) => r.cpuUs));
    figure(ctx, NAME, {
      name: "rollout_server_cpu_vs_bare",
      value: cpu("running") / cpu("bare"),
      unit: "x",
      target: { op: "<=", limit: 1.25 },
      note: `server CPU per request with the rollout running: ${cpu("running").toFixed(1)} µs ` +
        `against ${cpu("bare").toFixed(1)} µs for the bare route (paused: ${
          cpu("paused").toFixed(1)
        } µs); ${note}`,
    });
    figure(ctx, NAME, {
      name: "rollout_vs_no_rollout",
      value: rps("running") / rps("paused"),
      unit: "ratio",
      target: { op: ">=", limit: 0.9 },
      note,
    });
    figure(ctx, NAME, {
      name: "rollout_check_update_p99",
      value: median(results.running.map((r) => r.p99)),
      unit: "ms",
      baseline: median(results.paused.map((r) => r.p99)),
    });
  });
}
