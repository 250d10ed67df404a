/**
 * The part file of a download and its record, `<save>.part.json`: which file
 * the bytes belong to (URL, identity, size, the server's ETag) and when the
 * download began, so a restart resumes only the same file.
 */
import type { Logger } from "../log.ts";
import { readTextIfExists, writeJsonAtomic } from "../atomic_file.ts";
import type { DownloadOptions } from "./download.ts";

export /** What `<save>.part.json` records about the part file beside it. */
interface PartMeta {
  url: string;
  identity: string | null;
  size: number | null;
  etag: string | null;
  started_at: string;
}

/**
 * Keeps a part file left by an earlier run when it belongs to the same file
 * (same URL, identity and size); otherwise starts over. Returns the record.
 */
export async function openPart(
  partPath: string,
  metaPath: string,
  url: URL,
  options: DownloadOptions,
  log: Logger,
): Promise<PartMeta> {
  const fresh: PartMeta = {
    url: url.href,
    identity: options.identity ?? null,
    size: options.expectedSize ?? null,
    etag: null,
    started_at: new Date().toISOString(),
  };
  let old: PartMeta | null = null;
  try {
    old = JSON.parse(await readTextIfExists(metaPath) ?? "null");
  } catch {
    old = null; // torn by a crash: the part cannot be trusted
  }
  const have = await fileSize(partPath);
  const same = old !== null && old.url === fresh.url && old.identity === fresh.identity &&
    old.size === fresh.size && typeof old.started_at === "string" &&
    !Number.isNaN(Date.parse(old.started_at));
  if (same && old) {
    if (have > 0) {
      log.info("Found a partial download; resuming it", {
        path: partPath,
        have_bytes: have,
        started_at: old.started_at,
      });
    }
    return old;
  }
  if (have > 0) {
    log.warn("Partial download belongs to another file; starting over", { path: partPath });
    await Deno.remove(partPath);
  }
  await writeJsonAtomic(metaPath, fresh);
  return fresh;
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}
