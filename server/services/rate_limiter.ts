/**
 * Failed-login limiter: a fixed window of failures per key (username, client
 * address). Past the limit, callers get the seconds until the window ends.
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

  reset(key: string): void {
    this.#failures.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#failures) if (entry.resetAt <= now) this.#failures.delete(key);
  }
}
