/**
 * A token bucket per key: `capacity` requests at once, refilled at
 * `perMinute` a minute. Used to rate-limit each agent's error reports
 * (issue 13, item 3) so one agent cannot keep the database busy.
 */
export interface TokenBucketOptions {
  capacity: number;
  perMinute: number;
  now?: () => number;
}

export class TokenBucket {
  #buckets = new Map<string, { tokens: number; at: number }>();
  #now: () => number;

  constructor(private readonly options: TokenBucketOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** Takes a token for `key`: 0 when it had one, else the whole seconds until it will. */
  take(key: string): number {
    const now = this.#now();
    const perMs = this.options.perMinute / 60_000;
    const bucket = this.#buckets.get(key);
    const tokens = bucket
      ? Math.min(this.options.capacity, bucket.tokens + (now - bucket.at) * perMs)
      : this.options.capacity;
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, at: now });
      if (this.#buckets.size > 100_000) this.#sweep(now, perMs);
      return 0;
    }
    this.#buckets.set(key, { tokens, at: now });
    return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
  }

  /** Forgets buckets that have refilled: they behave exactly like new ones. */
  #sweep(now: number, perMs: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * perMs >= this.options.capacity) {
        this.#buckets.delete(key);
      }
    }
  }
}
