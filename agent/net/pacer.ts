/**
 * Paces reads to a bandwidth limit: a token bucket holding at most a tenth of
 * a second of bytes, so the rate averaged over any second stays within ~10%
 * of the limit. While the reader waits, the socket's receive window fills and
 * TCP slows the sender: the link itself carries no more than the limit.
 */
import { sleep } from "../backoff.ts";

export class Pacer {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  /** `bytesPerSecond` must be positive. */
  constructor(bytesPerSecond: number, now = performance.now()) {
    this.#rate = bytesPerSecond / 1000;
    this.#burst = Math.max(1, bytesPerSecond / 10);
    this.#tokens = this.#burst;
    this.#at = now;
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
