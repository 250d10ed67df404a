/**
 * Same-origin checks against cross-site request forgery. A browser sends the
 * session cookie with requests that another site's page starts (a form post,
 * `fetch` with `mode: "no-cors"`), and SameSite=Strict does not stop a page
 * on another port of the same host. Browsers do say where a request comes
 * from: `Origin` on every POST/PUT/PATCH/DELETE, and `Sec-Fetch-Site`.
 */
import type { Context } from "hono";
import { HttpError } from "../errors.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether a request can change state (and so needs the origin check when a cookie authenticates it). */
export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * The host (`name:port`) this server is reached at: `X-Forwarded-Host` from a
 * reverse proxy, else `Host`. A page cannot set either on a cross-site request.
 */
export function ownHost(c: Context): string {
  const forwarded = c.req.header("x-forwarded-host")?.split(",")[0].trim();
  return (forwarded || c.req.header("host") || new URL(c.req.url).host).toLowerCase();
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null; // "null" (sandboxed pages, some redirects) or garbage
  }
}

/**
 * Why the request does not provably come from this server's own pages, or
 * null when it does. `strict` (a cookie authenticates the request) also
 * refuses a request that carries neither header; otherwise only a request
 * that a browser marked as cross-origin is refused.
 */
export function crossOriginReason(c: Context, strict: boolean): string | null {
  const site = c.req.header("sec-fetch-site")?.toLowerCase();
  if (site !== undefined && site !== "same-origin") {
    return `Sec-Fetch-Site is "${site.slice(0, 40)}", not "same-origin"`;
  }
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    const host = originHost(origin);
    if (host !== ownHost(c)) return `Origin "${origin.slice(0, 200)}" is not this server`;
    return null;
  }
  if (site === "same-origin") return null;
  return strict ? "the request has neither Origin nor Sec-Fetch-Site" : null;
}

/** Throws 403 `forbidden` when `crossOriginReason` finds one. */
export function assertSameOrigin(c: Context, strict: boolean): void {
  const reason = crossOriginReason(c, strict);
  if (reason) {
    throw new HttpError(
      403,
      "forbidden",
      `Cross-site request refused: ${reason}. Scripts authenticate with Authorization: Bearer`,
    );
  }
}
