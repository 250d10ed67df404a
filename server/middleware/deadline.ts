/**
 * A deadline on a request's handling: past it the client gets 503 with
 * Retry-After instead of waiting on a database that went away. The handler's
 * work is not cancelled (nothing can cancel a query in flight); only its
 * answer is dropped. Mounted on the agent routes, whose clients retry.
 *
 * One timer watches every request in flight (checked every 1/16 of the
 * deadline), not one timer per request: a timer set and cleared on every
 * check_update was a measurable part of the hottest route's CPU (issue 17,
 * item 3). A request may so run up to 1/16 past the deadline before its 503.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import { DeadlineExceeded } from "../services/bounded_wait.ts";

/** An agent request is answered within this, whatever the database does. */
export const AGENT_DEADLINE_MS = 8_000;

interface Watched {
  until: number;
  expire(): void;
}

/** Requests in flight under one deadline; insertion order is deadline order. */
class DeadlineWatch {
  #watched = new Set<Watched>();
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly ms: number) {}

  run<T>(work: Promise<T>, what: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Watched = {
        until: Date.now() + this.ms,
        expire: () => reject(new DeadlineExceeded(what(), this.ms)),
      };
      this.#watched.add(entry);
      if (this.#timer === null) {
        const timer = setInterval(() => this.#sweep(), Math.max(10, this.ms / 16));
        Deno.unrefTimer(timer as unknown as number);
        this.#timer = timer;
      }
      work.then((value) => {
        this.#watched.delete(entry);
        resolve(value);
      }, (error) => {
        this.#watched.delete(entry);
        reject(error);
      });
    });
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of this.#watched) {
      if (entry.until > now) break;
      this.#watched.delete(entry);
      entry.expire();
    }
    if (this.#watched.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}

export function answerWithin(ms: number): MiddlewareHandler<AppEnv> {
  const watch = new DeadlineWatch(ms);
  return async function deadline(c, next) {
    try {
      await watch.run(next(), () => `${c.req.method} ${c.req.path}`);
    } catch (error) {
      if (!(error instanceof DeadlineExceeded)) throw error;
      throw new HttpError(503, "unavailable", `No answer within ${ms / 1000} s, try again`, {
        "Retry-After": "5",
      });
    }
  };
}
