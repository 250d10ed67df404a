/**
 * The server's one error type and its renderer. Routes and services throw
 * HttpError; `onError` turns it into `{error: {code, message}}`. Anything else
 * is logged with its cause and answered 500 without internals.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ApiErrorCode } from "../protocol/mod.ts";
import { isDatabaseUnavailable } from "./db/unavailable.ts";
import type { Logger } from "./log.ts";

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Builds the app's `onError` handler. */
export function renderError(logger: Logger) {
  return function onError(error: Error, c: Context): Response {
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json({ error: { code: error.code, message: error.message } }, error.status);
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn("database unavailable", { path: c.req.path, error: error.message });
      c.header("Retry-After", "5");
      return c.json(
        {
          error: {
            code: "unavailable",
            message: "The database cannot be reached, try again shortly",
          },
        },
        503,
      );
    }
    logger.error("unhandled error", {
      method: c.req.method,
      path: c.req.path,
      error: error.message,
      stack: error.stack,
    });
    return c.json({ error: { code: "internal", message: "Internal server error" } }, 500);
  };
}
