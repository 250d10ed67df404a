/**
 * Latency probes: a few agents that keep asking `check_update` while
 * something else loads the server, each time on a new connection as an agent
 * checking once an hour would (so accepting the connection is timed too).
 * They run in their own load process, so the busy fleet process's event loop
 * does not add its own queueing to what they measure.
 */
import { maximum, percentile } from "../report.ts";
import type { Fleet } from "./fleet.ts";
import { sleep, wallMs } from "./pool.ts";
import { encodeGet, RawHttpConnection } from "./raw_http.ts";

export class Probe {
  /** [wall ms, latency ms] of every answered check. */
  readonly #samples: [number, number][] = [];
  #errors = 0;
  #lastError = "";
  #running = true;
  readonly #loops: Promise<void>[];

  /** One loop per request in `requests` (prepared bytes for `url`). */
  constructor(url: URL, requests: Uint8Array[], pauseMs: number) {
    this.#loops = requests.map((request) => this.#loop(url, request, pauseMs));
  }

  /** Every enrolled agent of `fleet` asks `path` with its own credentials. */
  static forFleet(fleet: Fleet, path: string, pauseMs: number): Probe {
    const url = new URL(path, fleet.serverUrl);
    return new Probe(url, fleet.creds.map((_, i) => encodeGet(url, fleet.headers(i))), pauseMs);
  }

  /** Asks until stopped; any 2xx counts (check_update says 204 until a version is stable). */
  async #loop(url: URL, request: Uint8Array, pauseMs: number) {
    while (this.#running) {
      const started = performance.now();
      let conn: RawHttpConnection | null = null;
      try {
        conn = await RawHttpConnection.open(url);
        const reply = await conn.request(request, false, 30_000);
        if (reply.status < 200 || reply.status > 299) throw new Error(`status ${reply.status}`);
        this.#samples.push([wallMs(), performance.now() - started]);
      } catch (error) {
        this.#errors++;
        this.#lastError = (error as Error).message;
      } finally {
        conn?.close();
      }
      await sleep(pauseMs);
    }
  }

  /** Stops probing; sums up the samples taken from `t0` (wall ms) on. */
  async stop(t0: number) {
    this.#running = false;
    await Promise.all(this.#loops);
    const during = this.#samples.filter(([at]) => at >= t0);
    const latencies = during.map(([, ms]) => ms);
    return {
      checks: during.length,
      errors: this.#errors,
      last_error: this.#lastError,
      p50_ms: percentile(latencies, 50),
      p99_ms: percentile(latencies, 99),
      max_ms: maximum(latencies),
      worst_second_p99_ms: worstWindowP99(during, 1000),
    };
  }
}

/** The highest p99 over consecutive `windowMs` windows (windows with under 20 samples skipped). */
export function worstWindowP99(samples: [number, number][], windowMs: number): number {
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
