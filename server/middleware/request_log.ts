/** One structured log line per request: method, path, status, duration. */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../log.ts";

export function requestLog(logger: Logger): MiddlewareHandler {
  return async function logRequest(c, next) {
    const started = performance.now();
    await next();
    logger.info("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  };
}
