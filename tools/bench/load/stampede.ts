/**
 * The stampede, agent side: when `agent:new_version_available` arrives each
 * simulated agent does what the real one does (check_update, then download
 * the package it names, honouring 503 + Retry-After), while probes keep
 * timing check_update for the whole run.
 */
import { percentile } from "../report.ts";
import type { Fleet } from "./fleet.ts";
import { downloadLikeAgent } from "./http_load.ts";
import { Semaphore, sleep, wallMs } from "./pool.ts";

/**
 * The load process holds a WebSocket per agent; its descriptor limit leaves
 * room for this many HTTP requests in flight at once on top of them.
 */
const MAX_IN_FLIGHT = 4_000;

export class Stampede {
  #doneAt: Float64Array;
  #failures: string[] = [];
  #busy = 0;
  #maxAttempts = 0;
  /** [wall ms, latency ms] of every check_update, the agents' own and the probes'. */
  #checks: [number, number][] = [];
  #probing = true;
  #probes: Promise<void>[] = [];
  #limit = new Semaphore(MAX_IN_FLIGHT);

  constructor(private readonly fleet: Fleet, probes: number) {
    this.#doneAt = new Float64Array(fleet.creds.length).fill(NaN);
    fleet.onNewVersion = (agent) => void this.#update(agent);
    for (let p = 0; p < probes; p++) this.#probes.push(this.#probe());
  }

  async #checkUpdate(agent: number) {
    const started = performance.now();
    const res = await fetch(
      `${this.fleet.serverUrl}/api/agent/check_update?current_version=1.0.0`,
      { headers: this.fleet.headers(agent), signal: AbortSignal.timeout(30_000) },
    );
    const body = res.status === 200 ? await res.json() : await res.body?.cancel();
    this.#checks.push([wallMs(), performance.now() - started]);
    if (res.status !== 200) throw new Error(`check_update answered ${res.status}`);
    return body as { download_url: string; file_size: number };
  }

  async #update(agent: number): Promise<void> {
    try {
      const info = await this.#limit.run(() => this.#checkUpdate(agent));
      const url = new URL(info.download_url, this.fleet.serverUrl).href;
      const result = await downloadLikeAgent(
        url,
        this.fleet.headers(agent),
        info.file_size,
        8,
        this.#limit,
      );
      this.#busy += result.busy;
      this.#maxAttempts = Math.max(this.#maxAttempts, result.attempts);
      if (result.ok) this.#doneAt[agent] = wallMs();
      else this.#failures.push(result.error);
    } catch (error) {
      this.#failures.push((error as Error).message);
    }
  }

  async #probe(): Promise<void> {
    while (this.#probing) {
      const agent = Math.floor(Math.random() * this.fleet.creds.length);
      await this.#limit.run(() => this.#checkUpdate(agent)).catch(() => {});
      await sleep(20);
    }
  }

  /** Waits until every agent finished or failed (or `timeoutMs`), then sums up from `t0`. */
  async finish(t0: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    const settled = () =>
      this.#doneAt.filter((t) => !Number.isNaN(t)).length + this.#failures.length;
    while (settled() < this.#doneAt.length && Date.now() < deadline) await sleep(200);
    this.#probing = false;
    await Promise.all(this.#probes);
    this.fleet.onNewVersion = null;
    const done = [...this.#doneAt].filter((t) => !Number.isNaN(t)).map((t) => t - t0);
    const during = this.#checks.filter(([at]) => at >= t0);
    return {
      agents: this.#doneAt.length,
      completed: done.length,
      failed: this.#failures.length,
      first_failure: this.#failures[0] ?? "",
      busy_replies: this.#busy,
      max_attempts: this.#maxAttempts,
      done_p50_ms: percentile(done, 50),
      done_max_ms: done.length ? Math.max(...done) : NaN,
      checks: during.length,
      check_p99_ms: percentile(during.map(([, ms]) => ms), 99),
      worst_second_check_p99_ms: worstWindowP99(during, 1000),
    };
  }
}

/** The highest p99 over consecutive `windowMs` windows (windows with under 20 samples skipped). */
function worstWindowP99(samples: [number, number][], windowMs: number): number {
  const windows = new Map<number, number[]>();
  for (const [at, ms] of samples) {
    const key = Math.floor(at / windowMs);
    const values = windows.get(key);
    if (values) values.push(ms);
    else windows.set(key, [ms]);
  }
  let worst = 0;
  for (const values of windows.values()) {
    if (values.length >= 20) worst = Math.max(worst, percentile(values, 99));
  }
  return worst;
}
