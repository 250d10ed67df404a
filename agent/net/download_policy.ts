/**
 * When a package download tries again and when it gives up — the one rule
 * the agent (agent/net/download.ts) and the bench's simulated agents follow.
 *
 * Patient like Windows BITS: an attempt that received bytes is progress, not
 * a failure, so a link that drops every connection still finishes. A download
 * gives up only after `maxIdleAttempts` attempts in a row that received
 * nothing, after `busyDeadlineMs` of a server answering only 503/429 (those
 * waits use up no attempt), or `deadlineMs` after its first attempt at this
 * file (kept across restarts by the caller).
 */
import { backoffDelay } from "../backoff.ts";

export interface RetryPolicy {
  /** Attempts in a row that received no byte before giving up. */
  maxIdleAttempts: number;
  /** Backoff between attempts that received nothing: base and cap. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Give up this long after the first attempt at this file. */
  deadlineMs: number;
  /** Give up after the server has answered only "busy" for this long. */
  busyDeadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxIdleAttempts: 10,
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  deadlineMs: 24 * 3600_000,
  busyDeadlineMs: 3600_000,
};

/** What one attempt came to (a finished download needs no decision). */
export type AttemptOutcome =
  | { kind: "progress" }
  | { kind: "nothing" }
  | { kind: "busy"; retryAfterMs: number };

export type Decision = { retry: true; waitMs: number } | { retry: false; reason: string };

/** The counters one download keeps between attempts. */
export class RetryState {
  attempts = 0;
  idleAttempts = 0;
  busyReplies = 0;
  #busySince: number | null = null;

  constructor(readonly policy: RetryPolicy, readonly startedAt: number) {}

  /** A slice of a paced download arrived: progress, not an attempt. */
  progressed(): void {
    this.idleAttempts = 0;
    this.#busySince = null;
  }

  /** Counts `outcome` and says whether (and after how long) to try again. */
  next(outcome: AttemptOutcome, now = Date.now()): Decision {
    const p = this.policy;
    if (outcome.kind === "busy") {
      this.busyReplies++;
      this.#busySince ??= now;
    } else {
      this.attempts++;
      this.#busySince = null;
      this.idleAttempts = outcome.kind === "nothing" ? this.idleAttempts + 1 : 0;
    }
    if (now - this.startedAt >= p.deadlineMs) {
      return { retry: false, reason: `not finished ${seconds(p.deadlineMs)} after it began` };
    }
    if (this.idleAttempts >= p.maxIdleAttempts) {
      return { retry: false, reason: `${this.idleAttempts} attempts in a row received nothing` };
    }
    if (this.#busySince !== null && now - this.#busySince >= p.busyDeadlineMs) {
      return { retry: false, reason: `server busy for ${seconds(now - this.#busySince)}` };
    }
    if (outcome.kind === "busy") return { retry: true, waitMs: outcome.retryAfterMs };
    // Progress resumes soon; nothing backs off exponentially (both jittered).
    return {
      retry: true,
      waitMs: backoffDelay(Math.max(0, this.idleAttempts - 1), p.retryBaseMs, p.retryMaxMs),
    };
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
