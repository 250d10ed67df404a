/** The address a request came from, as rate limits key it. */
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";

export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no socket
  }
}
