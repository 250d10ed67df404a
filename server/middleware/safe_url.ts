/**
 * Refuses a request whose path or query, once percent-decoded, holds text the
 * server cannot store (protocol/text.ts): `/api/admin/computers/%00` reached the
 * database and answered 500. Now it is a 400 `invalid_text` before any route runs.
 */
import type { MiddlewareHandler } from "hono";
import { HttpError } from "../errors.ts";
import { checkText } from "../validate.ts";

export function refuseUnsafeUrls(): MiddlewareHandler {
  return async function refuseUnsafeUrl(c, next) {
    // Without a percent escape a URL cannot carry a NUL or a lone surrogate: the common case is free.
    if (c.req.url.includes("%")) {
      const url = new URL(c.req.url);
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        throw new HttpError(400, "invalid_text", "The path is not valid percent-encoded UTF-8");
      }
      checkText("The path", path);
      for (const [name, value] of url.searchParams) {
        checkText("A query parameter name", name);
        checkText(`Query parameter ${name}`, value);
      }
    }
    await next();
  };
}
