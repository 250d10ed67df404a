/**
 * HTTP load from the load process: a closed loop of requests for a fixed time
 * (rate and latency, over raw keep-alive connections), and package downloads that behave like the agent's
 * (Range resume, `Retry-After` plus jitter, a bounded number of attempts).
 */
import { retryAfterMs } from "../../../agent/backoff.ts";
import {
  type AttemptOutcome,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  RetryState,
} from "../../../agent/net/download_policy.ts";
import { percentile } from "../report.ts";
import { forEachLimited, loopFor, type Semaphore, sleep } from "./pool.ts";
import { RawHttpConnection } from "./raw_http.ts";

export interface RateResult {
  requests: number;
  errors: number;
  last_error: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

/**
 * `concurrency` kept-alive connections each sending `request(worker, n)`
 * (prepared request bytes) back to back for `ms`.
 */
export async function measureRate(
  url: URL,
  ms: number,
  concurrency: number,
  expectStatus: number,
  request: (worker: number, n: number) => Uint8Array,
): Promise<RateResult> {
  const latencies: number[] = [];
  let errors = 0;
  let lastError = "";
  const connections: (RawHttpConnection | null)[] = new Array(concurrency).fill(null);
  const started = performance.now();
  await loopFor(ms, concurrency, async (worker, n) => {
    const t = performance.now();
    try {
      const conn = connections[worker] ??= await RawHttpConnection.open(url);
      const reply = await conn.request(request(worker, n), false, 10_000);
      if (reply.status !== expectStatus) throw new Error(`status ${reply.status}`);
      latencies.push(performance.now() - t);
    } catch (error) {
      connections[worker]?.close();
      connections[worker] = null;
      errors++;
      lastError = (error as Error).message;
    }
  });
  const elapsed = performance.now() - started;
  for (const conn of connections) conn?.close();
  return {
    requests: latencies.length,
    errors,
    last_error: lastError,
    rps: latencies.length / (elapsed / 1000),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
  };
}

/** Reads a response body to the end, counting bytes without keeping them. */
export async function drain(res: Response): Promise<number> {
  let bytes = 0;
  if (!res.body) return 0;
  for await (const chunk of res.body) bytes += chunk.byteLength;
  return bytes;
}

/** `count` downloads of `url`, `concurrency` at a time: aggregate throughput. */
export async function downloadMany(
  url: string,
  headers: Record<string, string>,
  count: number,
  concurrency: number,
  expectedBytes: number,
) {
  let bytes = 0;
  let failed = 0;
  let lastError = "";
  const started = performance.now();
  await forEachLimited(count, concurrency, async () => {
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(600_000) });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      const got = await drain(res);
      bytes += got;
      if (got !== expectedBytes) throw new Error(`got ${got} of ${expectedBytes} bytes`);
    } catch (error) {
      failed++;
      lastError = (error as Error).message;
    }
  });
  const ms = performance.now() - started;
  return { bytes, failed, last_error: lastError, ms, mib_per_s: bytes / 1024 / 1024 / (ms / 1000) };
}

export interface AgentDownload {
  ok: boolean;
  /** Requests answered 503/429 (a busy server asking to come back later). */
  busy: number;
  attempts: number;
  error: string;
}

/**
 * Downloads like `agent/net/download.ts`, by the agent's own rule
 * (`agent/net/download_policy.ts`): a 503/429 waits `Retry-After` plus jitter
 * and uses up no attempt; an attempt that received bytes resumes with `Range`;
 * it gives up only after consecutive attempts that received nothing, or a
 * server busy for longer than `busyDeadlineMs`.
 */
export async function downloadLikeAgent(
  url: string,
  headers: Record<string, string>,
  size: number,
  limit: Semaphore,
  policy: Partial<RetryPolicy> = {},
): Promise<AgentDownload> {
  let have = 0;
  let error = "";
  const state = new RetryState({ ...DEFAULT_RETRY_POLICY, ...policy }, Date.now());
  for (;;) {
    let outcome: AttemptOutcome;
    const before = have;
    try {
      const range: Record<string, string> = have > 0 ? { range: `bytes=${have}-` } : {};
      const retryAfter = await limit.run(async () => {
        const res = await fetch(url, {
          headers: { ...headers, ...range },
          signal: AbortSignal.timeout(120_000),
        });
        if (res.status === 503 || res.status === 429) {
          await res.body?.cancel();
          return res.headers.get("retry-after");
        }
        if (res.status !== 200 && res.status !== 206) throw new Error(`status ${res.status}`);
        if (res.status === 200) have = 0;
        have += await drain(res);
        return undefined;
      });
      if (retryAfter !== undefined) {
        outcome = { kind: "busy", retryAfterMs: retryAfterMs(retryAfter) };
      } else if (have === size) {
        return { ok: true, busy: state.busyReplies, attempts: state.attempts + 1, error };
      } else {
        throw new Error(`connection ended at ${have} of ${size} bytes`);
      }
    } catch (e) {
      error = (e as Error).message;
      outcome = { kind: have > before ? "progress" : "nothing" };
    }
    const decision = state.next(outcome);
    if (!decision.retry) {
      return {
        ok: false,
        busy: state.busyReplies,
        attempts: state.attempts,
        error: `${decision.reason}${error ? ` (${error})` : ""}`,
      };
    }
    await sleep(decision.waitMs);
  }
}
