/**
 * A durable outbox: the error buffer `error_reports.jsonl`, and the update
 * status reports (`update_status.jsonl`). Every report is appended (and
 * fsynced) before the first attempt to send it, so a crash or a dead server
 * loses nothing. One flusher sends the reports oldest first, one at a time,
 * retrying with exponential backoff and jitter; each carries a `report_id`, so
 * a report re-sent after a crash is stored once by the server. The buffer is
 * bounded: when full, the oldest tenth is dropped; in the error buffer one
 * `AgentReportsDropped` report (at the head of the queue) carries how many were lost.
 *
 * No report blocks the ones behind it: one the server refuses (4xx) is
 * dropped, one that keeps failing while the next ones are delivered is moved
 * to `<path>.quarantine` — either way the log says so, and in the error buffer
 * an `AgentReportSetAside` report too.
 * A busy reply (429/503 + Retry-After) pauses delivery as long as it asks.
 */
import { ErrorReport, REPORT_SET_ASIDE, REPORTS_DROPPED } from "../protocol/mod.ts";
import { readTextIfExists, writeFileAtomic } from "./atomic_file.ts";
import type { Logger } from "./log.ts";
import { backoffDelay } from "./backoff.ts";

/**
 * What became of one delivery attempt: `rejected` carries the HTTP status;
 * `busy` the wait the server asked for.
 */
export type SendResult =
  | "delivered"
  | "retry"
  | "rejected"
  | { rejected: number; message?: string }
  | { busyMs: number };

export interface OutboxOptions<T = ErrorReport> {
  path: string;
  send: (report: T, signal: AbortSignal) => Promise<SendResult>;
  log: Logger;
  /** Reads a stored line back (throws on a torn one); default: an error report. */
  parse?: (value: unknown) => T;
  /** A report's id (for its strikes and logs); default: its `report_id`. */
  idOf?: (report: T) => string;
  /** Set for the error buffer: what was dropped or set aside is told in reports of their own. */
  agentVersion?: string;
  maxReports?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** Rewrite the file after this many deliveries (and when a flush pass ends). */
const REWRITE_EVERY = 20;

/** Failures of one report, each while a report behind it got through, before it is set aside. */
const QUARANTINE_AFTER = 3;

type Settings<T> = Required<Omit<OutboxOptions<T>, "agentVersion">> & { agentVersion?: string };

export class Outbox<T extends object = ErrorReport> {
  readonly #settings: Settings<T>;
  #entries: T[] = [];
  #inFlight: T | null = null;
  #io: Promise<void> = Promise.resolve();
  #flushing: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  /** Per report id: failures while a later report was delivered. */
  #strikes = new Map<string, number>();
  #stopped = false;
  #abort = new AbortController();

  private constructor(options: OutboxOptions<T>) {
    this.#settings = {
      maxReports: 1000,
      retryBaseMs: 1000,
      retryMaxMs: 300_000,
      parse: (value) => ErrorReport.parse(value) as T,
      idOf: (report) => String((report as ErrorReport).report_id ?? ""),
      ...options,
    };
  }

  /** Opens the buffer and loads the reports a previous run left undelivered. */
  static async open<T extends object = ErrorReport>(
    options: OutboxOptions<T>,
  ): Promise<Outbox<T>> {
    const outbox = new Outbox<T>(options);
    const text = await readTextIfExists(options.path) ?? "";
    let unreadable = 0;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        outbox.#entries.push(outbox.#settings.parse(JSON.parse(line)));
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
    const overfull = outbox.#entries.length > outbox.#settings.maxReports;
    while (outbox.#entries.length > outbox.#settings.maxReports) outbox.#dropOldest();
    if (unreadable > 0 || overfull) outbox.#queueRewrite();
    await outbox.#io;
    return outbox;
  }

  /** Reports not yet delivered, oldest first. */
  get pending(): readonly T[] {
    return this.#entries;
  }

  /** Buffers a report durably, then starts delivering it. */
  async add(report: T): Promise<void> {
    const entry = this.#settings.agentVersion === undefined
      ? report
      : { ...report, report_id: (report as ErrorReport).report_id ?? crypto.randomUUID() };
    if (this.#entries.length >= this.#settings.maxReports) {
      while (this.#entries.length >= this.#settings.maxReports) this.#dropOldest();
      this.#entries.push(entry);
      this.#queueRewrite();
    } else {
      this.#entries.push(entry);
      const line = JSON.stringify(entry) + "\n";
      this.#queue(() => appendDurably(this.#settings.path, line));
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
      // `failing`: a report that just failed, kept where it is while the next one is tried.
      let failing: T | null = null;
      while (!this.#stopped && this.#entries.length > 0) {
        const report: T | undefined = failing
          ? this.#entries[this.#entries.indexOf(failing) + 1]
          : this.#entries[0];
        if (!report) return this.#scheduleRetry(); // nothing behind the failing one
        const result = await this.#sendOne(report);
        if (result === "retry" || (typeof result === "object" && "busyMs" in result)) {
          // Two in a row failing: the server (or the way to it) is down, not one report.
          if (failing || typeof result === "object") {
            return this.#scheduleRetry(typeof result === "object" ? result.busyMs : undefined);
          }
          failing = report;
          continue;
        }
        if (result !== "delivered") this.#setAside(report, "rejected", result);
        this.#attempt = 0;
        this.#remove(report);
        if (failing) {
          // The server took the next report: the failing one is the problem.
          const id = this.#settings.idOf(failing);
          const strikes = (this.#strikes.get(id) ?? 0) + 1;
          this.#strikes.set(id, strikes);
          if (strikes >= QUARANTINE_AFTER) {
            this.#setAside(failing, "quarantined", "retry");
            this.#remove(failing);
          }
          failing = null;
        }
        if (++delivered % REWRITE_EVERY === 0) this.#queueRewrite();
      }
    } finally {
      if (delivered % REWRITE_EVERY !== 0) this.#queueRewrite();
      await this.#io;
    }
  }

  async #sendOne(report: T): Promise<SendResult> {
    this.#inFlight = report;
    try {
      return await this.#settings.send(report, this.#abort.signal);
    } catch {
      return "retry";
    } finally {
      this.#inFlight = null;
    }
  }

  #remove(report: T): void {
    const index = this.#entries.indexOf(report);
    if (index >= 0) this.#entries.splice(index, 1);
    this.#strikes.delete(this.#settings.idOf(report));
  }

  /**
   * Drops `report` from the queue's way: a quarantined one is kept in
   * `<path>.quarantine`; a notice naming it is queued (never one for a notice).
   */
  #setAside(entry: T, how: "rejected" | "quarantined", result: SendResult): void {
    const status = typeof result === "object" && "rejected" in result ? result.rejected : null;
    const report = entry as Partial<ErrorReport>;
    const fields = {
      path: this.#settings.path,
      id: this.#settings.idOf(entry),
      error_type: report.error_type,
      status,
    };
    if (how === "quarantined") {
      const line = JSON.stringify(entry) + "\n";
      this.#queue(() => appendDurably(`${this.#settings.path}.quarantine`, line));
      this.#settings.log.warn("A report keeps failing; moved it to quarantine", fields);
    } else {
      this.#settings.log.warn("Server rejected a report; dropping it", fields);
    }
    const agentVersion = this.#settings.agentVersion;
    if (agentVersion === undefined || report.error_type === REPORT_SET_ASIDE) return;
    (this.#entries as ErrorReport[]).push({
      error_type: REPORT_SET_ASIDE,
      message: how === "rejected"
        ? `The server refused an error report (HTTP ${status}); it was dropped`
        : `An error report failed ${QUARANTINE_AFTER} times while later ones were delivered; ` +
          `it was moved to ${this.#settings.path}.quarantine`,
      timestamp: new Date().toISOString(),
      agent_version: agentVersion,
      details: {
        how,
        status,
        report_id: printable(report.report_id ?? ""),
        error_type: printable(report.error_type ?? ""),
        ...(typeof result === "object" && "message" in result && result.message
          ? { server_message: printable(result.message) }
          : {}),
      },
      report_id: crypto.randomUUID(),
    });
  }

  /** Tries again after `busyMs` (the server's Retry-After), else after a growing backoff. */
  #scheduleRetry(busyMs?: number): void {
    if (this.#stopped) return;
    const delay = busyMs ??
      backoffDelay(this.#attempt++, this.#settings.retryBaseMs, this.#settings.retryMaxMs);
    this.#settings.log.info(
      busyMs === undefined
        ? "Error reports not delivered; will retry"
        : "Server asked to wait before more error reports",
      { pending: this.#entries.length, retry_in_ms: delay },
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // The flush that scheduled this may still be rewriting the file; #kick would do nothing then.
      void (this.#flushing ?? Promise.resolve()).then(() => this.#kick());
    }, delay);
  }

  /** Drops the oldest tenth of the buffer (never the report being sent) and counts it. */
  #dropOldest(): void {
    const head = this.#entries[0] === this.#inFlight && this.#inFlight ? 1 : 0;
    const count = Math.max(1, Math.ceil(this.#settings.maxReports / 10));
    const agentVersion = this.#settings.agentVersion;
    if (agentVersion === undefined) {
      const dropped = this.#entries.splice(head, count).length;
      this.#settings.log.warn("Outbox full; dropped the oldest reports", {
        path: this.#settings.path,
        dropped,
      });
      return;
    }
    const entries = this.#entries as ErrorReport[];
    let notice = entries[head];
    if (notice?.error_type !== REPORTS_DROPPED) {
      notice = {
        error_type: REPORTS_DROPPED,
        message: "",
        timestamp: new Date().toISOString(),
        agent_version: agentVersion,
        details: { dropped_count: 0 },
        report_id: crypto.randomUUID(),
      };
      entries.splice(head, 0, notice);
    }
    const dropped = entries.splice(head + 1, count).length;
    const total = Number(notice.details?.dropped_count ?? 0) + dropped;
    notice.details = { ...notice.details, dropped_count: total };
    notice.message = `${total} error reports were dropped because the buffer was full`;
    this.#settings.log.warn("Error buffer full; dropped the oldest reports", { dropped, total });
  }

  #queueRewrite(): void {
    const text = this.#entries.map((e) => JSON.stringify(e) + "\n").join("");
    this.#queue(() => writeFileAtomic(this.#settings.path, text));
  }

  /** Runs file operations one after another, in the order they were asked for. */
  #queue(op: () => Promise<void>): void {
    this.#io = this.#io.then(op).catch((error) => {
      this.#settings.log.error("Could not write the error buffer", {
        path: this.#settings.path,
        error,
      });
    });
  }
}

/** A value from a refused report, safe to send back: printable ASCII, at most 200 characters. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 200);
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
