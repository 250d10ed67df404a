/**
 * balancer: three server processes on one PostgreSQL database, one shared
 * packages folder and one JWT_SECRET, behind HAProxy (tools/bench/haproxy.ts,
 * the configuration of docs/operations.md). The fleet (20,000 agents in a full
 * run) enrolls and connects through the balancer from several load processes;
 * a version marked stable on one instance must reach every agent (p99 from the
 * PUT); then one instance is killed (SIGKILL) and its agents must be back,
 * through the balancer, on the others: the time from the kill until every
 * socket is open again, and how many are missing.
 *
 * HAProxy holds two descriptors per agent. Where the hard open-file limit is
 * below that (20,000 on the development machine, which cannot raise it), the
 * bench runs as many HAProxy processes as the limit requires, sharing the one
 * listening port (SO_REUSEPORT); a quick run uses two so the path is exercised.
 * Needs PostgreSQL (BENCH_DATABASE_URL, else DATABASE_URL) and HAProxy; says
 * why and records nothing without them.
 */
import {
  balancerProcessesFor,
  haproxyMissing,
  sharedPackageDataDirs,
  startBalancer,
} from "../haproxy.ts";
import { LoadGroup, loadsFor } from "../load_group.ts";
import { childFileLimit, ensureKernelSettings } from "../os_limits.ts";
import { makeBenchPackage } from "../packages.ts";
import { progress } from "../report.ts";
import { type Context, figure, wallMs } from "../scenario.ts";
import {
  type BenchServer,
  freshDatabase,
  markStable,
  startBenchServer,
  uploadPackage,
} from "../server.ts";

const NAME = "balancer";
const INSTANCES = 3;

/** Why the scenario cannot run here, or null. */
export async function balancerUnavailable(): Promise<string | null> {
  if (!Deno.env.get("BENCH_DATABASE_URL") && !Deno.env.get("DATABASE_URL")) {
    return "needs PostgreSQL: set BENCH_DATABASE_URL (or DATABASE_URL)";
  }
  return await haproxyMissing();
}

export async function runBalancer(ctx: Context): Promise<void> {
  const unavailable = await balancerUnavailable();
  if (unavailable) {
    progress(`balancer skipped: ${unavailable}`);
    return;
  }
  const n = ctx.scale.balancerAgents;
  const database = await freshDatabase(
    Deno.env.get("BENCH_DATABASE_URL") || Deno.env.get("DATABASE_URL"),
  );
  if (!database) throw new Error("no database");
  const root = await Deno.makeTempDir({ prefix: "hangar-bench-balancer-" });
  const servers: BenchServer[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  try {
    await ensureKernelSettings(n);
    // After the kill, the survivors hold the whole fleet between them.
    const nofile = await childFileLimit(Math.ceil(n / (INSTANCES - 1)) + 1000);
    const loads = loadsFor(n);
    const env = { JWT_SECRET: crypto.randomUUID() + crypto.randomUUID() };
    for (const dataDir of await sharedPackageDataDirs(root, INSTANCES)) {
      const server = await startBenchServer({
        nofile,
        env,
        shared: { databaseUrl: database.url, dataDir },
      });
      servers.push(server);
      stops.push(() => server.stop());
    }
    const names = servers.map((_, i) => `hangar${i + 1}`);
    const processes = Math.max(balancerProcessesFor(n + 1000, nofile), ctx.scale.quick ? 2 : 1);
    progress(
      `HAProxy: ${processes} process${processes > 1 ? "es" : ""} on one port ` +
        `(open-file limit ${nofile} each, two descriptors per agent)`,
    );
    const balancer = await startBalancer(
      root,
      servers.map((s, i) => ({ name: names[i], port: Number(new URL(s.url).port) })),
      { maxconn: n + 1000, processes, nofile },
    );
    stops.push(() => balancer.stop());
    const group = LoadGroup.start(loads, nofile);
    stops.push(() => group.stop());
    const [first, last] = [servers[0], servers[servers.length - 1]];

    const pkg = await makeBenchPackage(ctx.workDir, "1.1.0", 1024);
    const { record } = await uploadPackage(first, pkg.path, "1.1.0");
    progress(`enrolling ${n} agents through the balancer from ${loads} load processes`);
    const enrolled = await group.enroll(balancer.url, first.enrollmentToken, n, 32);
    if (enrolled.failed > 0) {
      throw new Error(`${enrolled.failed} enrollments failed: ${enrolled.last_error}`);
    }
    const connected = await group.connect(200);
    const open = await group.awaitOpen(n, 60_000);
    if (open.open < n) throw new Error(`only ${open.open} of ${n} WebSockets open`);
    const spread = await balancer.sessions();
    progress(
      `${connected.connected} connected in ${(connected.ms / 1000).toFixed(1)} s, per ` +
        `instance ${JSON.stringify(spread)}`,
    );

    const t0 = wallMs();
    await markStable(first, record.id);
    const r = await group.awaitEvents(t0, 60_000);
    progress(
      `${r.received}/${r.expected} notified, p50 ${r.p50_ms.toFixed(0)} ms, ` +
        `p99 ${r.p99_ms.toFixed(0)} ms`,
    );
    figure(ctx, NAME, {
      name: "notify_all_instances_p99",
      value: r.p99_ms,
      unit: "ms",
      target: { op: "<=", limit: 1000 },
      note: `${n} agents over ${INSTANCES} instances (${Object.values(spread).join("/")}) on ` +
        `PostgreSQL, ` +
        `marked stable on one; p50 ${r.p50_ms.toFixed(0)} ms, max ${r.max_ms.toFixed(0)} ms`,
    });
    figure(ctx, NAME, {
      name: "agents_not_notified",
      value: r.expected - r.received,
      unit: "agents",
      target: { op: "<=", limit: 0 },
    });

    const onKilled = spread[names[names.length - 1]];
    const dropsBefore = open.drops;
    const killedAt = performance.now();
    last.process.child.kill("SIGKILL");
    let back = open;
    const deadline = killedAt + 120_000;
    while (performance.now() < deadline) {
      back = await group.awaitOpen(n, 1_000);
      if (back.drops - dropsBefore >= onKilled && back.open >= n) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const reconnectMs = performance.now() - killedAt;
    progress(
      `killed an instance holding ${onKilled} agents: ${back.open}/${n} open after ` +
        `${(reconnectMs / 1000).toFixed(1)} s (${back.drops - dropsBefore} dropped)`,
    );
    figure(ctx, NAME, {
      name: "reconnect_after_kill",
      value: reconnectMs,
      unit: "ms",
      target: { op: "<=", limit: 30_000 },
      note: `SIGKILL of an instance holding ${onKilled} of ${n} agents, until all are open ` +
        `again through the balancer (agents back off 0.5-1 s first)`,
    });
    figure(ctx, NAME, {
      name: "agents_lost_after_kill",
      value: n - back.open,
      unit: "agents",
      target: { op: "<=", limit: 0 },
    });
    await group.closeAll();
  } catch (error) {
    for (const s of servers) progress(`server output (tail):\n${s.process.output().slice(-2000)}`);
    throw error;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await database.drop().catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}
