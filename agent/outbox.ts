/**
 * The error buffer, `error_reports.jsonl`: every report is appended (and
 * fsynced) before the first attempt to send it, so a crash or a dead server
 * loses nothing. One flusher sends the reports oldest first, one at a time,
 * retrying with exponential backoff and jitter; each carries a `report_id`, so
 * a report re-sent after a crash is stored once by the server. The buffer is
 * bounded: when full, the oldest tenth is dropped and one `AgentReportsDropped`
 * report (at the head of the queue) carries how many were lost.
 */
import { ErrorReport, REPORTS_DROPPED } from "../protocol/mod.ts";
import { readTextIfExists, writeFileAtomic } from "./atomic_file.ts";
import type { Logger } from "./log.ts";
import { backoffDelay } from "./backoff.ts";

/** What became of one delivery attempt. */
export type SendResult = "delivered" | "rejected" | "retry";

export interface OutboxOptions {
  path: string;
  send: (report: ErrorReport, signal: AbortSignal) => Promise<SendResult>;
  log: Logger;
  agentVersion: string;
  maxReports?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** Rewrite the file after this many deliveries (and when a flush pass ends). */
const REWRITE_EVERY = 20;

export class Outbox {
  readonly #o: Required<OutboxOptions>;
  #entries: ErrorReport[] = [];
  #inFlight: ErrorReport | null = null;
  #io: Promise<void> = Promise.resolve();
  #flushing: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #stopped = false;
  #abort = new AbortController();

  private constructor(options: OutboxOptions) {
    this.#o = { maxReports: 1000, retryBaseMs: 1000, retryMaxMs: 300_000, ...options };
  }

  /** Opens the buffer and loads the reports a previous run left undelivered. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(options);
    const text = await readTextIfExists(options.path) ?? "";
    let unreadable = 0;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        outbox.#entries.push(ErrorReport.parse(JSON.parse(line)));
      } catch {
        unreadable++; // a line torn by a crash mid-append
      }
    }
    if (unreadable > 0) {
      options.log.warn("Skipped unreadable lines in the error buffer", { unreadable });
    }
    if (outbox.#entries.length > 0) {
      options.log.info("Loaded undelivered error reports", { count: outbox.#entries.length });
    }
    const overfull = outbox.#entries.length > outbox.#o.maxReports;
    while (outbox.#entries.length > outbox.#o.maxReports) outbox.#dropOldest();
    if (unreadable > 0 || overfull) outbox.#queueRewrite();
    await outbox.#io;
    return outbox;
  }

  /** Reports not yet delivered, oldest first. */
  get pending(): readonly ErrorReport[] {
    return this.#entries;
  }

  /** Buffers a report durably, then starts delivering it. */
  async add(report: ErrorReport): Promise<void> {
    const entry = { ...report, report_id: report.report_id ?? crypto.randomUUID() };
    if (this.#entries.length >= this.#o.maxReports) {
      while (this.#entries.length >= this.#o.maxReports) this.#dropOldest();
      this.#entries.push(entry);
      this.#queueRewrite();
    } else {
      this.#entries.push(entry);
      const line = JSON.stringify(entry) + "\n";
      this.#queue(() => appendDurably(this.#o.path, line));
    }
    await this.#io;
    this.#kick();
  }

  /** Starts delivering buffered reports now, forgetting any backoff (the server answered). */
  flushNow(): void {
    this.#attempt = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#kick();
  }

  /** Stops delivering: cancels a send in progress and waits for the file to be consistent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#flushing;
    await this.#io;
  }

  #kick(): void {
    if (this.#stopped || this.#flushing || this.#timer !== undefined) return;
    if (this.#entries.length === 0) return;
    this.#flushing = this.#flush().finally(() => (this.#flushing = null));
  }

  async #flush(): Promise<void> {
    let delivered = 0;
    try {
      while (!this.#stopped && this.#entries.length > 0) {
        const report = this.#entries[0];
        this.#inFlight = report;
        let result: SendResult;
        try {
          result = await this.#o.send(report, this.#abort.signal);
        } catch {
          result = "retry";
        } finally {
          this.#inFlight = null;
        }
        if (result === "retry") {
          this.#scheduleRetry();
          return;
        }
        if (result === "rejected") {
          this.#o.log.warn("Server rejected an error report; dropping it", {
            report_id: report.report_id,
            error_type: report.error_type,
          });
        }
        this.#attempt = 0;
        this.#entries.splice(this.#entries.indexOf(report), 1);
        if (++delivered % REWRITE_EVERY === 0) this.#queueRewrite();
      }
    } finally {
      if (delivered % REWRITE_EVERY !== 0) this.#queueRewrite();
      await this.#io;
    }
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    const delay = backoffDelay(this.#attempt++, this.#o.retryBaseMs, this.#o.retryMaxMs);
    this.#o.log.info("Error reports not delivered; will retry", {
      pending: this.#entries.length,
      retry_in_ms: delay,
    });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, delay);
  }

  /** Drops the oldest tenth of the buffer (never the report being sent) and counts it. */
  #dropOldest(): void {
    const head = this.#entries[0] === this.#inFlight && this.#inFlight ? 1 : 0;
    let notice = this.#entries[head];
    if (notice?.error_type !== REPORTS_DROPPED) {
      notice = {
        error_type: REPORTS_DROPPED,
        message: "",
        timestamp: new Date().toISOString(),
        agent_version: this.#o.agentVersion,
        details: { dropped_count: 0 },
        report_id: crypto.randomUUID(),
      };
      this.#entries.splice(head, 0, notice);
    }
    const count = Math.max(1, Math.ceil(this.#o.maxReports / 10));
    const dropped = this.#entries.splice(head + 1, count).length;
    const total = Number(notice.details?.dropped_count ?? 0) + dropped;
    notice.details = { ...notice.details, dropped_count: total };
    notice.message = `${total} error reports were dropped because the buffer was full`;
    this.#o.log.warn("Error buffer full; dropped the oldest reports", { dropped, total });
  }

  #queueRewrite(): void {
    const text = this.#entries.map((e) => JSON.stringify(e) + "\n").join("");
    this.#queue(() => writeFileAtomic(this.#o.path, text));
  }

  /** Runs file operations one after another, in the order they were asked for. */
  #queue(op: () => Promise<void>): void {
    this.#io = this.#io.then(op).catch((error) => {
      this.#o.log.error("Could not write the error buffer", { path: this.#o.path, error });
    });
  }
}

async function appendDurably(path: string, line: string): Promise<void> {
  const file = await Deno.open(path, { append: true, create: true });
  try {
    await file.write(new TextEncoder().encode(line));
    await file.sync();
  } finally {
    file.close();
  }
}
