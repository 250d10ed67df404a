/**
 * Streams a package to `<save>.part` and renames it to `<save>` once whole.
 * An interrupted transfer resumes with `Range: bytes=<have>-` (the server
 * answers 206); a 503/429 is retried after its `Retry-After` plus jitter;
 * progress is logged every 10%.
 */
import type { Logger } from "../log.ts";
import { backoffDelay, sleep } from "../backoff.ts";
import { HttpClientError, statusError } from "./http_error.ts";

export interface DownloadOptions {
  /** The size the file must have (the update's `file_size`). */
  expectedSize?: number;
  signal?: AbortSignal;
  /** Transfers tried before giving up (each one resumes the last). */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A transfer that receives nothing for this long is dropped and resumed. */
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  bytes: number;
  /** How many times the transfer resumed from a partial file. */
  resumes: number;
}

type Outcome = { kind: "done" } | { kind: "wait"; ms: number } | { kind: "restart" };

interface Transfer {
  url: URL;
  partPath: string;
  headers: Record<string, string>;
  log: Logger;
  expectedSize: number | undefined;
  signal: AbortSignal | undefined;
  idleTimeoutMs: number;
  resumes: number;
}

export async function downloadToFile(
  url: URL,
  savePath: string,
  headers: Record<string, string>,
  log: Logger,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const { expectedSize, signal, maxAttempts = 8, retryBaseMs = 500, retryMaxMs = 30_000 } = options;
  const partPath = `${savePath}.part`;
  const ctx: Transfer = {
    url,
    partPath,
    headers,
    log,
    expectedSize,
    signal,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    resumes: 0,
  };
  for (let attempt = 1;; attempt++) {
    let have = await fileSize(partPath);
    if (expectedSize !== undefined && have > expectedSize) {
      await Deno.remove(partPath);
      have = 0;
    }
    if (expectedSize !== undefined && have === expectedSize && have > 0) break;
    let outcome: Outcome;
    try {
      outcome = await transfer(ctx, have);
    } catch (error) {
      if (signal?.aborted) throw error;
      const retryable = !(error instanceof HttpClientError) || error.retryable;
      if (!retryable || attempt >= maxAttempts) throw error;
      const delay = backoffDelay(attempt - 1, retryBaseMs, retryMaxMs);
      log.warn("Download interrupted; will resume", {
        url: url.href,
        have_bytes: await fileSize(partPath),
        attempt,
        retry_in_ms: delay,
        error: (error as Error).message,
      });
      await sleep(delay, signal);
      continue;
    }
    if (outcome.kind === "done") break;
    if (attempt >= maxAttempts) {
      throw new HttpClientError("status", `download: gave up after ${attempt} attempts`, 503);
    }
    if (outcome.kind === "wait") {
      log.info("Download server busy; waiting as asked", { url: url.href, wait_ms: outcome.ms });
      await sleep(outcome.ms, signal);
    }
  }
  const bytes = await fileSize(partPath);
  if (expectedSize !== undefined && bytes !== expectedSize) {
    throw new HttpClientError(
      "size_mismatch",
      `Downloaded ${bytes} bytes, expected ${expectedSize}`,
    );
  }
  await Deno.rename(partPath, savePath);
  return { bytes, resumes: ctx.resumes };
}

/** One request, appending to the part file from byte `have`. */
async function transfer(ctx: Transfer, have: number): Promise<Outcome> {
  const { url, partPath, log, expectedSize } = ctx;
  // A server that stops sending without closing would hold the update forever.
  const idle = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => idle.abort(new Error(`no data for ${ctx.idleTimeoutMs} ms`)),
      ctx.idleTimeoutMs,
    );
  };
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, idle.signal]) : idle.signal;
  const headers = { ...ctx.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) };
  touch();
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers, signal });
    } catch (error) {
      throw networkError(error);
    }
    if (res.status === 503 || res.status === 429) {
      await res.body?.cancel();
      return { kind: "wait", ms: retryAfterMs(res.headers.get("retry-after")) };
    }
    let total: number | undefined;
    if (res.status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get("content-range") ?? "");
      if (!range || Number(range[1]) !== have) {
        log.warn("Download range reply does not fit the part file; starting over", {
          url: url.href,
        });
        await res.body?.cancel();
        await Deno.remove(partPath);
        return { kind: "restart" };
      }
      total = range[2] === "*" ? undefined : Number(range[2]);
      ctx.resumes++;
      log.info("Resuming download", { url: url.href, from_byte: have, total_bytes: total });
    } else if (res.status === 416 && have > 0) {
      log.warn("Download part file does not fit the server's file; starting over", {
        url: url.href,
      });
      await res.body?.cancel();
      await Deno.remove(partPath);
      return { kind: "restart" };
    } else if (res.status === 200) {
      have = 0;
      const length = res.headers.get("content-length");
      total = length === null ? undefined : Number(length);
    } else {
      throw await statusError(res, "download");
    }
    if (expectedSize !== undefined && total !== undefined && total !== expectedSize) {
      await res.body?.cancel();
      throw new HttpClientError(
        "size_mismatch",
        `download: server offers ${total} bytes, expected ${expectedSize}`,
      );
    }
    const want = total ?? expectedSize;
    await writeBody(res, partPath, have, want, url, log, touch);
    const size = await fileSize(partPath);
    if (want !== undefined && size < want) {
      throw new HttpClientError(
        "network",
        `download: connection ended at ${size} of ${want} bytes`,
      );
    }
    return { kind: "done" };
  } finally {
    clearTimeout(timer);
  }
}

function networkError(error: unknown): HttpClientError {
  const message = error instanceof Error ? error.message : String(error);
  return new HttpClientError("network", `download: ${message}`, undefined, undefined, {
    cause: error,
  });
}

async function writeBody(
  res: Response,
  partPath: string,
  start: number,
  total: number | undefined,
  url: URL,
  log: Logger,
  touch: () => void,
): Promise<void> {
  const file = await Deno.open(partPath, {
    write: true,
    create: true,
    append: start > 0,
    truncate: start === 0,
  });
  let done = start;
  let nextReport = 10;
  try {
    if (!res.body) return;
    for await (const chunk of res.body) {
      touch();
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
      done += chunk.length;
      if (total) {
        const percent = Math.floor((done / total) * 100);
        if (percent >= nextReport) {
          log.info("Download progress", {
            url: url.href,
            percent,
            bytes: done,
            total_bytes: total,
          });
          nextReport = Math.floor(percent / 10) * 10 + 10;
        }
      }
    }
  } catch (error) {
    throw networkError(error);
  } finally {
    await file.sync().catch(() => {});
    file.close();
  }
}

/** `Retry-After` (seconds or an HTTP date) in ms, at least 1 s, plus up to 50% jitter. */
function retryAfterMs(header: string | null): number {
  let seconds = 1;
  if (header && /^\d+$/.test(header.trim())) seconds = Number(header.trim());
  else if (header && !Number.isNaN(Date.parse(header))) {
    seconds = (Date.parse(header) - Date.now()) / 1000;
  }
  const ms = Math.min(Math.max(seconds, 1), 300) * 1000;
  return Math.round(ms * (1 + Math.random() * 0.5));
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}
