/**
 * `GET|HEAD /api/agent/agent-packages/:filename` (agent auth is applied by the
 * caller): the package of a known version, streamed from disk by
 * `PackageDownloads` (ETag, Range, at most `maxConcurrentDownloads` at once).
 * Names that are not a known version's file get 404 without touching the disk;
 * a full house gets 503 with `Retry-After`.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { AgentVersions } from "../services/agent_versions.ts";
import { PackageDownloads } from "../storage/package_download.ts";
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
  const downloads = new PackageDownloads({
    maxConcurrent: deps.config.maxConcurrentDownloads,
    logger: deps.logger,
  });

  app.get("/agent-packages/:filename", async (c) => {
    const record = await deps.versions.findByFileName(c.req.param("filename"));
    const path = record ? deps.packages.pathOf(record.file_path) : null;
    if (!record || !path) throw new HttpError(404, "not_found", "No such package");
    const reply = await downloads.serve(
      { path, fileName: record.file_path, sha256: record.checksum_sha256, version: record.version },
      {
        method: c.req.raw.method,
        headers: c.req.raw.headers,
        delivered: (c.env as Partial<Deno.ServeHandlerInfo> | undefined)?.completed,
      },
    );
    if ("status" in reply) {
      return reply.body === null
        ? c.body(null, reply.status, reply.headers)
        : c.body(reply.body, reply.status, reply.headers);
    }
    switch (reply.refused) {
      case "missing":
        throw new HttpError(404, "not_found", "No such package");
      case "busy":
        throw new HttpError(503, "busy", "Too many downloads at once, try again later", {
          "Retry-After": String(BUSY_RETRY_AFTER_S),
        });
      case "unsatisfiable":
        throw new HttpError(
          416,
          "range_not_satisfiable",
          `Range is outside the ${reply.size} bytes`,
          {
            "Content-Range": `bytes */${reply.size}`,
          },
        );
    }
  });

  return app;
}
