/**
 * Streams a package to `<save>.part` and renames it to `<save>` once whole.
 * An interrupted transfer resumes with `Range: bytes=<have>-` and `If-Range`
 * (the ETag it started with): the server answers 206 for the same file and
 * 200 with the whole new one otherwise. `<save>.part.json` records which file
 * the part belongs to and when the download began, so a restart, a crash or a
 * reboot resumes it too. When to retry and when to give up is
 * download_policy.ts.
 *
 * Under a bandwidth limit the file is fetched in slices of an eighth of a
 * second's bytes (`Range: bytes=a-b`), each asked for only when a token
 * bucket allows: the server never sends more than was asked, so the link —
 * not just the agent's reads — stays within the limit in any second (reading
 * one long reply slowly would not do: the socket buffers take megabytes).
 * A server that ignores Range gets its reply's reads paced instead.
 */
import type { Logger } from "../log.ts";
import { writeJsonAtomic } from "../atomic_file.ts";
import { retryAfterMs, sleep } from "../backoff.ts";
import {
  type AttemptOutcome,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  RetryState,
} from "./download_policy.ts";
import { HttpClientError, statusError } from "./http_error.ts";
import { Pacer } from "./pacer.ts";
import { fileSize, openPart, type PartMeta } from "./part_file.ts";

export interface DownloadOptions {
  /** The size the file must have (the update's `file_size`). */
  expectedSize?: number;
  /** What the file is (its checksum): a part file of another one is started over. */
  identity?: string;
  signal?: AbortSignal;
  policy?: Partial<RetryPolicy>;
  /** A transfer that receives nothing for this long is dropped and resumed. */
  idleTimeoutMs?: number;
  /** Bandwidth limit; unset: as fast as the link goes. */
  bytesPerSecond?: number;
  /** Called after every chunk written, with the bytes in the part file. */
  onProgress?: (bytes: number, total: number | undefined) => void;
}

export interface DownloadResult {
  bytes: number;
  /** How many times the transfer resumed from a partial file. */
  resumes: number;
  /** Requests that got the file (busy replies not counted). */
  attempts: number;
}

/** A download that gave up: why, and what it had achieved. */
export class DownloadGaveUpError extends HttpClientError {
  constructor(message: string, readonly details: Record<string, unknown>, options?: ErrorOptions) {
    super("gave_up", message, undefined, undefined, options);
    this.name = "DownloadGaveUpError";
  }
}

interface Transfer {
  url: URL;
  partPath: string;
  headers: Record<string, string>;
  log: Logger;
  meta: PartMeta;
  metaPath: string;
  options: DownloadOptions;
  /** Stream pacing, for a reply that is not a slice. */
  pacer: Pacer | null;
  /** Bytes per request under a limit, and the bucket that spaces the requests. */
  slice: number | null;
  slicePacer: Pacer | null;
  /** The last attempt failed: the next request is a resume. */
  interrupted: boolean;
  resumes: number;
  /** Bytes the last attempt received. */
  lastGot: number;
}

export async function downloadToFile(
  url: URL,
  savePath: string,
  headers: Record<string, string>,
  log: Logger,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const { expectedSize, signal } = options;
  const partPath = `${savePath}.part`;
  const metaPath = `${partPath}.json`;
  const meta = await openPart(partPath, metaPath, url, options, log);
  const state = new RetryState(
    { ...DEFAULT_RETRY_POLICY, ...options.policy },
    Date.parse(meta.started_at),
  );
  const ctx: Transfer = {
    url,
    partPath,
    headers,
    log,
    meta,
    metaPath,
    options,
    pacer: options.bytesPerSecond ? new Pacer(options.bytesPerSecond) : null,
    slice: options.bytesPerSecond ? sliceBytes(options.bytesPerSecond) : null,
    slicePacer: options.bytesPerSecond
      ? new Pacer(options.bytesPerSecond, sliceBytes(options.bytesPerSecond))
      : null,
    // A part file from an earlier run: the first request resumes it.
    interrupted: await fileSize(partPath) > 0,
    resumes: 0,
    lastGot: 0,
  };
  let received = 0;
  for (;;) {
    let have = await fileSize(partPath);
    if (expectedSize !== undefined && have > expectedSize) {
      await Deno.remove(partPath);
      have = 0;
    }
    if (expectedSize !== undefined && have === expectedSize && have > 0) break;
    let outcome: AttemptOutcome;
    let error: Error | null = null;
    try {
      const done = await transfer(ctx, have);
      if (done === "done") break;
      if (done === "more") {
        received += ctx.lastGot;
        state.progressed();
        continue;
      }
      outcome = done;
    } catch (e) {
      if (signal?.aborted) throw e;
      // Only the network's and a failing server's errors are worth another attempt.
      if (!(e instanceof HttpClientError) || !e.retryable) throw e;
      error = e;
      outcome = { kind: ctx.lastGot > 0 ? "progress" : "nothing" };
    }
    received += ctx.lastGot;
    ctx.interrupted = outcome.kind !== "busy" || ctx.interrupted;
    const decision = state.next(outcome);
    const fields = {
      url: url.href,
      have_bytes: await fileSize(partPath),
      attempts: state.attempts,
      idle_attempts: state.idleAttempts,
      ...(error ? { error: error.message } : {}),
    };
    if (!decision.retry) {
      const details = {
        ...fields,
        reason: decision.reason,
        received_bytes: received,
        busy_replies: state.busyReplies,
        expected_bytes: expectedSize ?? null,
        started_at: meta.started_at,
      };
      log.error("Download gave up", details);
      // The bytes stay for the next try, which gets a deadline of its own.
      await writeJsonAtomic(metaPath, { ...meta, started_at: new Date().toISOString() });
      throw new DownloadGaveUpError(
        `download gave up: ${decision.reason}${error ? ` (last error: ${error.message})` : ""}`,
        details,
        { cause: error ?? undefined },
      );
    }
    if (outcome.kind === "busy") {
      log.info("Download server busy; waiting as asked", {
        url: url.href,
        wait_ms: decision.waitMs,
      });
    } else {
      log.warn("Download interrupted; will resume", { ...fields, retry_in_ms: decision.waitMs });
    }
    await sleep(decision.waitMs, signal);
  }
  const bytes = await fileSize(partPath);
  if (expectedSize !== undefined && bytes !== expectedSize) {
    throw new HttpClientError(
      "size_mismatch",
      `Downloaded ${bytes} bytes, expected ${expectedSize}`,
    );
  }
  await Deno.rename(partPath, savePath);
  await Deno.remove(metaPath).catch(() => {});
  return { bytes, resumes: ctx.resumes, attempts: state.attempts + 1 };
}

/** One request, appending to the part file from byte `have`. */
async function transfer(
  ctx: Transfer,
  have: number,
): Promise<"done" | "more" | AttemptOutcome> {
  const { url, partPath, log, meta } = ctx;
  ctx.lastGot = 0;
  const expected = ctx.options.expectedSize;
  // Under a limit: one slice, asked for when the bucket allows.
  let end: number | undefined;
  if (ctx.slice && ctx.slicePacer) {
    const last = have + ctx.slice - 1;
    end = expected === undefined || last < expected - 1 ? last : undefined;
    await ctx.slicePacer.take(
      Math.min(ctx.slice, (expected ?? Infinity) - have),
      ctx.options.signal,
    );
  }
  // A server that stops sending without closing would hold the update forever.
  const idleMs = ctx.options.idleTimeoutMs ?? 60_000;
  const idle = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Restarts the idle timer; `false` stops it (while the pacer holds reads back). */
  const touch = (arm = true) => {
    clearTimeout(timer);
    if (arm) timer = setTimeout(() => idle.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
  };
  const signal = ctx.options.signal
    ? AbortSignal.any([ctx.options.signal, idle.signal])
    : idle.signal;
  const headers: Record<string, string> = { ...ctx.headers };
  if (have > 0 || end !== undefined) {
    headers.range = `bytes=${have}-${end ?? ""}`;
    if (have > 0 && meta.etag) headers["if-range"] = meta.etag;
  }
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
      return { kind: "busy", retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
    }
    let total: number | undefined;
    let replyEnd: number | undefined;
    if (res.status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get("content-range") ?? "");
      if (!range || Number(range[1]) !== have) {
        log.warn("Download range reply does not fit the part file; starting over", {
          url: url.href,
        });
        await res.body?.cancel();
        await Deno.remove(partPath);
        return { kind: "nothing" };
      }
      total = range[3] === "*" ? undefined : Number(range[3]);
      replyEnd = Number(range[2]);
      if (ctx.interrupted) {
        ctx.resumes++;
        log.info("Resuming download", { url: url.href, from_byte: have, total_bytes: total });
      }
    } else if (res.status === 416 && have > 0) {
      log.warn("Download part file does not fit the server's file; starting over", {
        url: url.href,
      });
      await res.body?.cancel();
      await Deno.remove(partPath);
      return { kind: "nothing" };
    } else if (res.status === 200) {
      if (have > 0) {
        log.warn("Server sent the whole file (it changed, or ignores Range); starting over", {
          url: url.href,
          had_bytes: have,
        });
      }
      have = 0;
      const length = res.headers.get("content-length");
      total = length === null ? undefined : Number(length);
    } else {
      throw await statusError(res, "download");
    }
    if (expected !== undefined && total !== undefined && total !== expected) {
      await res.body?.cancel();
      throw new HttpClientError(
        "size_mismatch",
        `download: server offers ${total} bytes, expected ${expected}`,
      );
    }
    const etag = res.headers.get("etag");
    if (etag && !etag.startsWith("W/") && etag !== meta.etag) {
      meta.etag = etag;
      await writeJsonAtomic(ctx.metaPath, meta);
    }
    ctx.interrupted = false;
    const whole = total ?? expected;
    // A slice's reply ends at its range; stream pacing is for a reply that is not one.
    const sliced = replyEnd !== undefined && whole !== undefined && replyEnd + 1 < whole;
    const want = sliced ? replyEnd! + 1 : whole;
    await writeBody(ctx, res, have, whole, touch, res.status === 200);
    const size = await fileSize(partPath);
    if (want !== undefined && size < want) {
      ctx.interrupted = true;
      throw new HttpClientError(
        "network",
        `download: connection ended at ${size} of ${want} bytes`,
      );
    }
    return sliced ? "more" : "done";
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
  ctx: Transfer,
  res: Response,
  start: number,
  total: number | undefined,
  touch: (arm?: boolean) => void,
  pace: boolean,
): Promise<void> {
  const { partPath, log, url } = ctx;
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
    const reader = res.body.getReader();
    for (;;) {
      let chunk: Uint8Array;
      try {
        const read = await reader.read();
        if (read.done) break;
        chunk = read.value;
      } catch (error) {
        throw networkError(error);
      }
      touch();
      // A write error (a full disk) is not the network's: it ends the download.
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
      done += chunk.length;
      ctx.lastGot += chunk.length;
      ctx.options.onProgress?.(done, total);
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
      if (ctx.pacer && pace) {
        touch(false); // waiting for the pacer is not the link going quiet
        await ctx.pacer.take(chunk.length, ctx.options.signal);
        touch();
      }
    }
  } finally {
    await file.sync().catch(() => {});
    file.close();
  }
}

/** An eighth of a second's bytes, at least 16 KiB: 8 requests a second at most. */
function sliceBytes(bytesPerSecond: number): number {
  return Math.max(16 * 1024, Math.floor(bytesPerSecond / 8));
}
