/**
 * What every scenario gets and shares: the run's scale (`--quick` or full),
 * the report, a scratch directory, and a helper that starts the scenario's
 * own server and load processes and always stops both.
 */
import { LoadGroup } from "./load_group.ts";
import type { LoadProcess } from "./load_process.ts";
import { childFileLimit, ensureKernelSettings } from "./os_limits.ts";
import { startCpuProfile, summarizeProfile } from "./profile.ts";
import { type FigureInput, progress, Report } from "./report.ts";
import { type BenchServer, startBenchServer } from "./server.ts";

export interface Scale {
  quick: boolean;
  /** Agents holding a WebSocket in connections, fan-out and stampede. */
  agents: number;
  /** Agents connected through the load balancer in `balancer` (issue 17 asks 20,000). */
  balancerAgents: number;
  holdMs: number;
  /** Seconds per measured phase of check_update. */
  rateMs: number;
  downloads: number;
  downloadMiB: number;
  uploadMiB: number;
  verifyMiB: number;
  updateMiB: number;
}

export const FULL: Scale = {
  quick: false,
  agents: 10_000,
  balancerAgents: 20_000,
  holdMs: 60_000,
  rateMs: 10_000,
  downloads: 200,
  downloadMiB: 50,
  uploadMiB: 1000,
  verifyMiB: 1000,
  updateMiB: 50,
};

export const QUICK: Scale = {
  quick: true,
  agents: 1_000,
  balancerAgents: 1_000,
  holdMs: 5_000,
  rateMs: 3_000,
  downloads: 50,
  downloadMiB: 20,
  uploadMiB: 100,
  verifyMiB: 100,
  updateMiB: 50,
};

export interface Context {
  scale: Scale;
  report: Report;
  /** A scratch directory for packages; removed after the run. */
  workDir: string;
  /** Where CPU profiles of the server go (`--profile`), or null. */
  profileDir: string | null;
}

export interface Scenario {
  name: string;
  run(ctx: Context): Promise<void>;
}

/** Records a figure under `scenario`. */
export function figure(ctx: Context, scenario: string, input: FigureInput): void {
  ctx.report.add(scenario, input);
}

export interface Processes {
  server: BenchServer;
  /** The first load process (the only one unless `loads` asked for more). */
  load: LoadProcess;
  /** Every load process; `enroll` and `connect` share the fleet out between them. */
  group: LoadGroup;
}

/**
 * Starts a server and a load process sized for `options.connections`, runs
 * `fn`, and stops both whatever happens.
 */
export interface ProcessOptions {
  /** Connections the server and load processes must be able to hold at once. */
  connections: number;
  env?: Record<string, string>;
  /** Start the server with the V8 inspector (garbage collection on demand); implied by `--profile`. */
  inspect?: boolean;
  /** Load processes sharing the fleet (default 1). */
  loads?: number;
}

export async function withProcesses<T>(
  ctx: Context,
  options: ProcessOptions,
  fn: (p: Processes) => Promise<T>,
): Promise<T> {
  await ensureKernelSettings(options.connections);
  // Each side holds one descriptor per connection plus files, pipes and the runtime's own.
  const nofile = await childFileLimit(options.connections + 1000);
  const server = await startBenchServer({
    nofile,
    env: options.env,
    inspect: options.inspect || ctx.profileDir !== null,
  });
  let group: LoadGroup | null = null;
  try {
    group = LoadGroup.start(options.loads ?? 1, nofile);
    return await fn({ server, load: group.loads[0], group });
  } catch (error) {
    progress(`server output (tail):\n${server.process.output().slice(-4000)}`);
    throw error;
  } finally {
    await group?.stop();
    await server.stop();
  }
}

/** Enrolls `count` agents through the API, in batches of bounded concurrency. */
export async function enroll(p: Processes, count: number): Promise<void> {
  const loads = p.group.loads.length;
  progress(`enrolling ${count} agents${loads > 1 ? ` from ${loads} load processes` : ""}`);
  const r = await p.group.enroll(p.server.url, p.server.enrollmentToken, count, 32);
  if (r.failed > 0) throw new Error(`${r.failed} of ${count} enrollments failed: ${r.last_error}`);
  progress(`enrolled ${r.enrolled} agents in ${(r.ms / 1000).toFixed(1)} s`);
}

/**
 * Opens every enrolled agent's WebSocket. Sockets the server drops meanwhile
 * reconnect as agents do; throws if some are still closed a minute later.
 */
export async function connect(p: Processes, count: number): Promise<number> {
  progress(`opening ${count} agent WebSockets`);
  const r = await p.group.connect(200);
  progress(`${r.connected} connected in ${(r.ms / 1000).toFixed(1)} s (${r.failed} failed)`);
  if (r.connected < count) {
    const again = await p.group.awaitOpen(count, 60_000);
    progress(
      `${again.drops} dropped by the server while connecting, ${again.reconnects} reconnected`,
    );
    if (again.open < count) {
      throw new Error(`Only ${again.open} of ${count} WebSockets open: ${r.last_error}`);
    }
  }
  return r.ms;
}

export const wallMs = (): number => performance.timeOrigin + performance.now();

/**
 * Runs `fn`; with `--profile`, records the server's CPU meanwhile, saves the
 * profile as `<label>.cpuprofile` and prints where the time went.
 */
export async function profiled<T>(
  ctx: Context,
  server: BenchServer,
  label: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (!ctx.profileDir || !server.inspector) return await fn();
  const stop = await startCpuProfile(server.inspector);
  try {
    return await fn();
  } finally {
    const profile = await stop();
    const path = `${ctx.profileDir}/${label}.cpuprofile`;
    await Deno.writeTextFile(path, JSON.stringify(profile));
    progress(`${label}: ${path}\n${summarizeProfile(profile)}`);
  }
}
