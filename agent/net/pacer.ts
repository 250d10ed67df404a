/**
 * A token bucket for a bandwidth limit: `take(n)` waits until `n` more bytes
 * fit. The bucket holds `burstBytes` (default a tenth of a second's bytes),
 * so any window of T seconds carries at most `rate × T + burst`.
 */
import { sleep } from "../backoff.ts";

export class Pacer {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  /** `bytesPerSecond` must be positive. */
  constructor(bytesPerSecond: number, burstBytes = bytesPerSecond / 10) {
    this.#rate = bytesPerSecond / 1000;
    this.#burst = Math.max(1, burstBytes);
    this.#tokens = this.#burst;
    this.#at = performance.now();
  }

  /** Waits until `bytes` more may be read (they are taken at once; a deficit is waited off). */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#rate);
    this.#at = now;
    this.#tokens -= bytes;
    if (this.#tokens < 0) await sleep(Math.ceil(-this.#tokens / this.#rate), signal);
  }
}
