/**
 * Failure limiter: a fixed window of failures per key (a username, a client
 * address, an enrollment client). Past the limit, callers get the seconds
 * until the window ends. `countAttempt` counts before the guarded work runs,
 * so concurrent attempts cannot all pass a check made before any failed.
 */
export interface RateLimiterOptions {
  maxFailures: number;
  windowMs: number;
  now?: () => number;
}

export class RateLimiter {
  #failures = new Map<string, { count: number; resetAt: number }>();
  #now: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** Seconds to wait before `key` may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const entry = this.#failures.get(key);
    if (!entry) return 0;
    const left = entry.resetAt - this.#now();
    if (left <= 0) {
      this.#failures.delete(key);
      return 0;
    }
    return entry.count >= this.options.maxFailures ? Math.ceil(left / 1000) : 0;
  }

  recordFailure(key: string): void {
    const now = this.#now();
    const entry = this.#failures.get(key);
    if (!entry || entry.resetAt <= now) {
      this.#failures.set(key, { count: 1, resetAt: now + this.options.windowMs });
      if (this.#failures.size > 100_000) this.#sweep(now);
    } else {
      entry.count++;
    }
  }

  /** Takes back one failure (an attempt counted in advance that succeeded). */
  forgive(key: string): void {
    const entry = this.#failures.get(key);
    if (entry && --entry.count <= 0) this.#failures.delete(key);
  }

  reset(key: string): void {
    this.#failures.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#failures) if (entry.resetAt <= now) this.#failures.delete(key);
  }
}

/**
 * Counts one attempt against each `[limiter, key]` pair before the work it
 * guards, as a failure until the caller forgives it. Returns 0 when counted,
 * or the seconds to wait when any pair is over its limit (nothing is counted
 * then). No await between check and count: concurrent callers see each other.
 */
export function countAttempt(pairs: [RateLimiter, string][]): number {
  const wait = Math.max(0, ...pairs.map(([limiter, key]) => limiter.retryAfter(key)));
  if (wait > 0) return wait;
  for (const [limiter, key] of pairs) limiter.recordFailure(key);
  return 0;
}
