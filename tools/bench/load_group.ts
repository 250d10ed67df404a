/**
 * Several load processes driving one fleet between them: each enrolls and
 * holds its share of the agents, and the group adds their answers up. One
 * Deno process holding 10,000 WebSockets is itself a bottleneck on a small
 * machine (it spends as much CPU per handshake as the server), and one
 * process cannot hold more sockets than its descriptor limit allows.
 */
import { type LoadProcess, startLoad } from "./load_process.ts";
import { maximum, percentile } from "./report.ts";

/** Agents one load process is given at most: well inside a 20,000 descriptor limit. */
export const AGENTS_PER_LOAD = 9_000;

/** How many load processes `agents` agents get. */
export function loadsFor(agents: number): number {
  return Math.max(1, Math.ceil(agents / AGENTS_PER_LOAD));
}

/** `count` split into `parts` shares that differ by one at most. */
export function shares(count: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(count / parts) + (i < count % parts ? 1 : 0),
  );
}

export class LoadGroup {
  constructor(readonly loads: LoadProcess[]) {}

  static start(count: number, nofile: number): LoadGroup {
    return new LoadGroup(Array.from({ length: count }, () => startLoad(nofile)));
  }

  #all<T>(fn: (load: LoadProcess, i: number) => Promise<T>): Promise<T[]> {
    return Promise.all(this.loads.map(fn));
  }

  async enroll(server: string, token: string, count: number, concurrency: number) {
    const parts = shares(count, this.loads.length);
    const started = performance.now();
    const rs = await this.#all((l, i) =>
      l.call("enroll", {
        server,
        token,
        count: parts[i],
        concurrency: Math.ceil(concurrency / this.loads.length),
      }, 30 * 60_000)
    );
    return {
      enrolled: rs.reduce((s, r) => s + r.enrolled, 0),
      failed: rs.reduce((s, r) => s + r.failed, 0),
      last_error: rs.map((r) => r.last_error).find((e) => e) ?? "",
      ms: performance.now() - started,
    };
  }

  async connect(concurrency: number) {
    const started = performance.now();
    const rs = await this.#all((l) =>
      l.call("connect", { concurrency: Math.ceil(concurrency / this.loads.length) }, 30 * 60_000)
    );
    return {
      connected: rs.reduce((s, r) => s + r.connected, 0),
      failed: rs.reduce((s, r) => s + r.failed, 0),
      last_error: rs.map((r) => r.last_error).find((e) => e) ?? "",
      ms: performance.now() - started,
    };
  }

  /** Waits until `count` sockets are open over the whole group (or the time is up). */
  async awaitOpen(count: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rs = await this.#all((l) => l.call("awaitOpen", { count: 0, timeoutMs: 0 }, 60_000));
      const total = {
        open: rs.reduce((s, r) => s + r.open, 0),
        drops: rs.reduce((s, r) => s + r.drops, 0),
        reconnects: rs.reduce((s, r) => s + r.reconnects, 0),
      };
      if (total.open >= count || Date.now() >= deadline) return total;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async hold(ms: number) {
    const rs = await this.#all((l) => l.call("hold", { ms }, ms + 60_000));
    return { open: rs.reduce((s, r) => s + r.open, 0), drops: rs.reduce((s, r) => s + r.drops, 0) };
  }

  /** Every open socket's delay from `t0` to the new-version event, over the group. */
  async awaitEvents(t0: number, timeoutMs: number) {
    const rs = await this.#all((l) =>
      l.call("awaitEvents", { t0, timeoutMs, raw: true }, timeoutMs + 60_000)
    );
    const delays = rs.flatMap((r) => r.delays ?? []);
    return {
      expected: rs.reduce((s, r) => s + r.expected, 0),
      drops: rs.reduce((s, r) => s + r.drops, 0),
      received: delays.length,
      p50_ms: percentile(delays, 50),
      p99_ms: percentile(delays, 99),
      max_ms: maximum(delays),
    };
  }

  /** The reconnects since `since` over the group (see the load command `storm`). */
  async storm(since: number) {
    const rs = await this.#all((l) => l.call("storm", { since }, 60_000));
    const perSecond: number[] = [];
    for (const r of rs) r.per_second.forEach((n, s) => perSecond[s] = (perSecond[s] ?? 0) + n);
    const failures: Record<string, number> = {};
    for (const r of rs) {
      for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
    }
    const seen = rs.filter((r) => r.reopened > 0);
    return {
      reopened: rs.reduce((s, r) => s + r.reopened, 0),
      first_ms: seen.length ? Math.min(...seen.map((r) => r.first_ms)) : NaN,
      last_ms: seen.length ? Math.max(...seen.map((r) => r.last_ms)) : NaN,
      per_second: Array.from(perSecond, (n) => n ?? 0),
      busiest_second: perSecond.length ? maximum(perSecond.map((n) => n ?? 0)) : 0,
      failures,
    };
  }

  async closeAll(): Promise<void> {
    await this.#all((l) => l.call("closeAll", {}, 60_000));
  }

  async stop(): Promise<void> {
    await this.#all((l) => l.stop());
  }
}
