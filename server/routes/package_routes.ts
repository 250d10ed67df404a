/**
 * `GET|HEAD /api/agent/agent-packages/:filename` (agent auth is applied by the
 * caller): the package of a known version, streamed from disk with
 * `Content-Length`, an `ETag` (its SHA-256) and `Range` support, so an
 * interrupted download resumes. Names that are not a known version's file get
 * 404 without touching the disk. At most `maxConcurrentDownloads` streams run
 * at once; beyond that the answer is 503 with `Retry-After`.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { AgentVersions } from "../services/agent_versions.ts";
import { fileRangeStream, parseRange } from "../storage/file_range.ts";
import type { PackageStore } from "../storage/package_store.ts";

export interface PackageRouteDeps {
  versions: AgentVersions;
  packages: PackageStore;
  logger: Logger;
  config: { maxConcurrentDownloads: number };
}

/** Seconds a client is asked to wait when every download slot is taken. */
export const BUSY_RETRY_AFTER_S = 10;

export function packageRoutes(deps: PackageRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  let active = 0;

  app.get("/agent-packages/:filename", async (c) => {
    const fileName = c.req.param("filename");
    const record = await deps.versions.findByFileName(fileName);
    const path = record ? deps.packages.pathOf(record.file_path) : null;
    if (!record || !path) throw new HttpError(404, "not_found", "No such package");

    const etag = `"${record.checksum_sha256}"`;
    const headers: Record<string, string> = {
      "content-type": "application/zip",
      "accept-ranges": "bytes",
      "etag": etag,
      "content-disposition": `attachment; filename="${record.file_path}"`,
      "cache-control": "private, no-cache",
    };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);

    if (active >= deps.config.maxConcurrentDownloads) {
      throw new HttpError(503, "busy", "Too many downloads at once, try again later", {
        "Retry-After": String(BUSY_RETRY_AFTER_S),
      });
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      deps.logger.error("package file missing", {
        version: record.version,
        path,
        error: String(error),
      });
      throw new HttpError(404, "not_found", "No such package");
    }
    active++;
    let released = false;
    const release = () => {
      if (!released) active--;
      released = true;
    };
    try {
      const size = (await file.stat()).size;
      // A range is honoured only for the same file (If-Range carries the ETag it started with).
      const ifRange = c.req.header("if-range");
      const range = ifRange && ifRange !== etag ? null : parseRange(c.req.header("range"), size);
      if (range === "unsatisfiable") {
        throw new HttpError(416, "range_not_satisfiable", `Range is outside the ${size} bytes`, {
          "Content-Range": `bytes */${size}`,
        });
      }
      const slice = range ?? { start: 0, end: size - 1 };
      headers["content-length"] = String(slice.end - slice.start + 1);
      if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${size}`;
      const status = range ? 206 : 200;
      if (c.req.raw.method === "HEAD" || size === 0) {
        file.close();
        release();
        return c.body(null, status, headers);
      }
      const served = (c.env as Partial<Deno.ServeHandlerInfo> | undefined)?.completed;
      if (slice.end === size - 1 && served) {
        // To the end of the file (every download and every resume): the file's own
        // stream, which Deno sends from Rust without a round trip through JS per
        // chunk (tools/bench downloads: ~0.55 -> ~0.93 of a plain Deno.serve). The
        // slot frees when the response is delivered or the client goes away.
        await file.seek(slice.start, Deno.SeekMode.Start);
        served.then(release, release);
        return c.body(file.readable, status, headers);
      }
      return c.body(fileRangeStream(file, slice, release), status, headers);
    } catch (error) {
      try {
        file.close();
      } catch {
        // closed already
      }
      release();
      throw error;
    }
  });

  return app;
}
