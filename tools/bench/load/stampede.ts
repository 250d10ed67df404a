/**
 * The stampede, agent side: when `agent:new_version_available` arrives each
 * simulated agent does what the real one does (check_update, then download
 * the package it names, honouring 503 + Retry-After). The agents' own
 * check_update latencies are kept; steady probes run in another process
 * (probe.ts).
 */
import { maximum, percentile } from "../report.ts";
import type { Fleet } from "./fleet.ts";
import { downloadLikeAgent } from "./http_load.ts";
import { Semaphore, sleep, wallMs } from "./pool.ts";
import { worstWindowP99 } from "./probe.ts";
import { encodeGet, RawHttpConnection } from "./raw_http.ts";

/**
 * The load process holds a WebSocket per agent; its descriptor limit leaves
 * room for this many HTTP requests in flight at once on top of them.
 */
const MAX_IN_FLIGHT = 4_000;

export class Stampede {
  #doneAt: Float64Array;
  /** 1 once an agent's update began (the notice, or a check after reconnecting). */
  #started: Uint8Array;
  #failures: string[] = [];
  #busy = 0;
  #maxAttempts = 0;
  /** [wall ms, latency ms] of every check_update the agents made. */
  #checks: [number, number][] = [];
  #limit = new Semaphore(MAX_IN_FLIGHT);
  /** The longest this process's event loop was late for a 100 ms timer: its own queueing. */
  #maxLagMs = 0;
  #lagTimer: ReturnType<typeof setInterval>;

  constructor(private readonly fleet: Fleet) {
    this.#doneAt = new Float64Array(fleet.creds.length).fill(NaN);
    this.#started = new Uint8Array(fleet.creds.length);
    fleet.onNewVersion = (agent) => void this.#update(agent);
    // A socket that dropped may have missed the notice: the agent checks after reconnecting.
    fleet.onReconnected = (agent) => void this.#update(agent);
    let last = performance.now();
    this.#lagTimer = setInterval(() => {
      const now = performance.now();
      this.#maxLagMs = Math.max(this.#maxLagMs, now - last - 100);
      last = now;
    }, 100);
  }

  /** check_update on a new connection, as an agent that checks once an hour makes it. */
  async #checkUpdate(agent: number) {
    const url = new URL("/api/agent/check_update?current_version=1.0.0", this.fleet.serverUrl);
    const started = performance.now();
    const conn = await RawHttpConnection.open(url);
    try {
      // The agent's HTTP client gives up after 30 s too (agent/net/http_client.ts).
      const reply = await conn.request(encodeGet(url, this.fleet.headers(agent)), true, 30_000);
      this.#checks.push([wallMs(), performance.now() - started]);
      if (reply.status === 204) return null; // nothing stable yet: the notice comes later
      if (reply.status !== 200) throw new Error(`check_update answered ${reply.status}`);
      return JSON.parse(new TextDecoder().decode(reply.body!)) as {
        download_url: string;
        file_size: number;
      };
    } finally {
      conn.close();
    }
  }

  async #update(agent: number): Promise<void> {
    if (this.#started[agent]) return;
    this.#started[agent] = 1;
    try {
      const info = await this.#limit.run(() => this.#checkUpdate(agent));
      if (!info) {
        this.#started[agent] = 0;
        return;
      }
      const url = new URL(info.download_url, this.fleet.serverUrl).href;
      const result = await downloadLikeAgent(
        url,
        this.fleet.headers(agent),
        info.file_size,
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

  /** Waits until every agent finished or failed (or `timeoutMs`), then sums up from `t0`. */
  async finish(t0: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    const settled = () =>
      this.#doneAt.filter((t) => !Number.isNaN(t)).length + this.#failures.length;
    while (settled() < this.#doneAt.length && Date.now() < deadline) await sleep(200);
    this.fleet.onNewVersion = null;
    this.fleet.onReconnected = null;
    clearInterval(this.#lagTimer);
    const done = [...this.#doneAt].filter((t) => !Number.isNaN(t)).map((t) => t - t0);
    const during = this.#checks.filter(([at]) => at >= t0);
    return {
      agents: this.#doneAt.length,
      completed: done.length,
      failed: this.#failures.length,
      first_failure: this.#failures[0] ?? "",
      failure_kinds: countKinds(this.#failures),
      busy_replies: this.#busy,
      dropped_sockets: this.fleet.drops,
      reconnects: this.fleet.reconnects,
      max_attempts: this.#maxAttempts,
      done_p50_ms: percentile(done, 50),
      done_max_ms: maximum(done),
      checks: during.length,
      check_p50_ms: percentile(during.map(([, ms]) => ms), 50),
      check_p99_ms: percentile(during.map(([, ms]) => ms), 99),
      load_loop_lag_max_ms: this.#maxLagMs,
      worst_second_check_p99_ms: worstWindowP99(during, 1000),
    };
  }
}

/** "reason ×count; ..." for the three most frequent reasons. */
function countKinds(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r, n]) => `${r} ×${n}`)
    .join("; ");
}
