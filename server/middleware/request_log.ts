/** One structured log line per request: method, path, status, duration. */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../log.ts";

export function requestLog(logger: Logger): MiddlewareHandler {
  return async function requestLine(c, next) {
    const started = performance.now();
    await next();
    logRequest(logger, c.req.method, c.req.path, c.res.status, started);
  };
}

/** The request line, for a request answered before the router too (the check_update fast path). */
export function logRequest(
  logger: Logger,
  method: string,
  path: string,
  status: number,
  started: number,
): void {
  logger.info("request", { method, path, status, ms: Math.round(performance.now() - started) });
}
