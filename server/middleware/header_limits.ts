/**
 * Request-header limits, answered 431 with a JSON body. The runtime answers
 * first for worse cases: Deno.serve refuses a request head over about 64 KiB,
 * more than 128 header lines, a malformed Content-Length or a raw NUL in the
 * path with its own `400 Bad Request`, empty body, connection closed, before
 * any of this code runs (docs/security.md, "Malformed HTTP").
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { HttpError } from "../errors.ts";

/** Total bytes of header names and values a request may carry (nginx's default buffers hold 32 KiB). */
export const MAX_HEADER_BYTES = 16 * 1024;

/** The bytes one header line counts against MAX_HEADER_BYTES (name, value, ": " and CRLF). */
export function headerLineBytes(name: string, value: string): number {
  return name.length + value.length + 4;
}

/** The bytes `headers` count against MAX_HEADER_BYTES. */
export function headerBytes(headers: Headers): number {
  let bytes = 0;
  // forEach, not for-of: Deno's header iterator allocates per entry (~6x the cost here).
  headers.forEach((value, name) => bytes += headerLineBytes(name, value));
  return bytes;
}

export function limitHeaders(): MiddlewareHandler<AppEnv> {
  return async function headerLimits(c, next) {
    const bytes = headerBytes(c.req.raw.headers);
    if (bytes > MAX_HEADER_BYTES) {
      throw new HttpError(
        431,
        "header_too_large",
        `Request headers are ${bytes} bytes, max is ${MAX_HEADER_BYTES}`,
      );
    }
    await next();
  };
}
