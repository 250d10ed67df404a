/**
 * The admin page: the files `deno task build:web` wrote to web/dist/, served
 * at `/admin/*`. Any other `/admin/*` path is a client-side route and gets
 * index.html. `/` redirects to `/admin/`. Every answer carries a strict
 * Content-Security-Policy: the page loads only its own files.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { fileURLToPath } from "node:url";
import type { AppEnv } from "../env.ts";

export const DEFAULT_DIST_DIR = fileURLToPath(new URL("../../web/dist/", import.meta.url));

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
};

/** A built asset: a plain file name with a content hash (see tools/build_web.ts). */
const HASHED_ASSET = /^[A-Za-z0-9_]+-[0-9a-f]{10}\.[a-z]+$/;
/** A path that names a file rather than a page; only plain names, no folders or `..`. */
const FILE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;

export interface WebRoutesOptions {
  /** Where the built page is; web/dist/ beside this repository by default. */
  distDir?: string;
}

function securityHeaders(c: Context): void {
  c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
}

async function readOrNull(path: string): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
      return null;
    }
    throw error;
  }
}

export function webRoutes(options: WebRoutesOptions = {}): Hono<AppEnv> {
  const distDir = (options.distDir ?? DEFAULT_DIST_DIR).replace(/\/?$/, "/");
  const app = new Hono<AppEnv>();

  app.get("/", (c) => c.redirect("/admin/", 302));
  app.get("/admin", (c) => c.redirect("/admin/", 302));

  app.get("/admin/*", async function servePage(c) {
    securityHeaders(c);
    const name = c.req.path.slice("/admin/".length);
    if (name.includes(".") && name !== "index.html") {
      const asset = FILE_NAME.test(name) ? await readOrNull(`${distDir}${name}`) : null;
      if (!asset) {
        // A file of an older build, or a typo: a 404, not index.html served as script.
        c.header("Cache-Control", "no-store");
        return c.text(`No such file: /admin/${name}`, 404);
      }
      c.header("Content-Type", CONTENT_TYPES[name.split(".").pop()!] ?? "application/octet-stream");
      c.header(
        "Cache-Control",
        HASHED_ASSET.test(name) ? "public, max-age=31536000, immutable" : "no-cache",
      );
      return c.body(asset);
    }
    const index = await readOrNull(`${distDir}index.html`);
    if (!index) {
      c.header("Cache-Control", "no-store");
      return c.text(
        "The admin page has not been built. Run `deno task build:web` " +
          "(or start the server with `deno task start`, which builds it first).",
        503,
      );
    }
    // Always revalidate: index.html names the current build's assets.
    c.header("Cache-Control", "no-cache");
    return c.html(new TextDecoder().decode(index));
  });

  return app;
}
