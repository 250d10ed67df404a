/**
 * Exponential backoff with jitter, shared by every retry loop in the agent:
 * the delay doubles per attempt up to a cap, and a random part of it spreads
 * a fleet of agents out so they do not all retry in the same second.
 */
import { SERVICE_RESTART_CLOSE_CODE } from "../protocol/mod.ts";

/** The delay before retry number `attempt` (0-based): between half and all of `min(cap, base*2^attempt)`. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + Math.random() * ceiling / 2);
}

/** After a "Service Restart" close, this many quick retries before the normal backoff. */
export const RESTART_RETRIES = 20;
/** The quick retries' delay range after a "Service Restart" close. */
export const RESTART_RETRY_MIN_MS = 500;
export const RESTART_RETRY_MAX_MS = 2000;

/**
 * The delay before reconnect number `attempt` (0-based) of a WebSocket that
 * closed with `closeCode`. A server stopping for a restart (1012) is back in
 * seconds: the first {@link RESTART_RETRIES} retries wait a steady, jittered
 * 0.5–2 s so the fleet returns as soon as it answers; after those (or after
 * any other close) the delay is {@link backoffDelay}'s, counted from 0.
 */
export function reconnectDelay(
  attempt: number,
  closeCode: number | undefined,
  baseMs: number,
  capMs: number,
): number {
  if (closeCode === SERVICE_RESTART_CLOSE_CODE) {
    if (attempt < RESTART_RETRIES) {
      return Math.round(
        RESTART_RETRY_MIN_MS + Math.random() * (RESTART_RETRY_MAX_MS - RESTART_RETRY_MIN_MS),
      );
    }
    return backoffDelay(attempt - RESTART_RETRIES, baseMs, capMs);
  }
  return backoffDelay(attempt, baseMs, capMs);
}

/** `ms` spread by ±`fraction` (0.1 = ±10%), for periodic work such as update checks. */
export function jitter(ms: number, fraction = 0.1): number {
  return Math.round(ms * (1 - fraction + Math.random() * 2 * fraction));
}

/**
 * `Retry-After` (seconds or an HTTP date) in ms, between 1 s and 5 min, plus
 * up to 50% jitter so a turned-away fleet does not come back in one second.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  let seconds = 1;
  const value = header?.trim() ?? "";
  if (/^\d+$/.test(value)) seconds = Number(value);
  else if (value !== "" && !Number.isNaN(Date.parse(value))) {
    seconds = (Date.parse(value) - now) / 1000;
  }
  const ms = Math.min(Math.max(seconds, 1), 300) * 1000;
  return Math.round(ms * (1 + Math.random() * 0.5));
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
