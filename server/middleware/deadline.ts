/**
 * A deadline on a request's handling: past it the client gets 503 with
 * Retry-After instead of waiting on a database that went away. The handler's
 * work is not cancelled (nothing can cancel a query in flight); only its
 * answer is dropped. Mounted on the agent routes, whose clients retry.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import { boundedWait, DeadlineExceeded } from "../services/bounded_wait.ts";

/** An agent request is answered within this, whatever the database does. */
export const AGENT_DEADLINE_MS = 8_000;

export function answerWithin(ms: number): MiddlewareHandler<AppEnv> {
  return async function deadline(c, next) {
    try {
      await boundedWait(next(), ms, `${c.req.method} ${c.req.path}`);
    } catch (error) {
      if (!(error instanceof DeadlineExceeded)) throw error;
      throw new HttpError(503, "unavailable", `No answer within ${ms / 1000} s, try again`, {
        "Retry-After": "5",
      });
    }
  };
}
