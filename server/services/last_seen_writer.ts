/**
 * Queues `last_seen_at` writes and sends them in batches: one UPDATE per batch
 * instead of one per request or WebSocket connect, so 10,000 agents
 * reconnecting after a restart cost a handful of statements (issue 17), and a
 * database outage loses nothing: a failed batch goes back in the queue and is
 * retried with a growing pause (issue 13, item 8).
 */
import { type SeenComputer, touchComputers } from "../db/last_seen.ts";
import type { Db } from "../db/db.ts";
import type { Logger } from "../log.ts";
import { boundedWait } from "./bounded_wait.ts";

export interface LastSeenWriterOptions {
  /** Pause between a first queued write and the batch that sends it; default 1,000 ms. */
  intervalMs?: number;
  /** Computers per UPDATE; default 1,000. */
  batchSize?: number;
  /** Longest a batch may take before it counts as failed; default 10,000 ms. */
  timeoutMs?: number;
  now?: () => number;
}

const MAX_RETRY_MS = 30_000;

export class LastSeenWriter {
  #pending = new Map<string, { seenAt: number; version: string | null }>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushing: Promise<void> | null = null;
  #failures = 0;
  /** Statements sent (tests and the bench count them). */
  batchesWritten = 0;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    options: LastSeenWriterOptions = {},
  ) {
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#batchSize = options.batchSize ?? 1_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Computers waiting to be written. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Records that `computerId` was seen now (with the version it reported, if any). */
  seen(computerId: string, version: string | null = null): void {
    const previous = this.#pending.get(computerId);
    this.#pending.set(computerId, {
      seenAt: this.#now(),
      version: version ?? previous?.version ?? null,
    });
    this.#schedule(this.#intervalMs);
  }

  /** Writes everything queued now; a failure leaves it queued and rethrows. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#flushing ??= this.#write().finally(() => {
      this.#flushing = null;
      if (this.#pending.size > 0) this.#schedule(this.#retryDelay());
    });
    return this.#flushing;
  }

  /** Stops the timer after one last attempt to write what is queued. */
  async stop(): Promise<void> {
    await this.flush().catch(() => {});
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #write(): Promise<void> {
    while (this.#pending.size > 0) {
      const batch = [...this.#pending].slice(0, this.#batchSize);
      for (const [id] of batch) this.#pending.delete(id);
      const rows: SeenComputer[] = batch.map(([id, entry]) => ({
        id,
        seen_at: new Date(entry.seenAt).toISOString(),
        agent_version: entry.version,
      }));
      try {
        await boundedWait(touchComputers(this.db, rows), this.#timeoutMs, "last_seen_at batch");
        this.batchesWritten++;
        if (this.#failures > 0) {
          this.logger.info("last_seen_at writes resumed", { after_failures: this.#failures });
        }
        this.#failures = 0;
      } catch (error) {
        this.#requeue(batch);
        if (this.#failures++ === 0) {
          this.logger.warn("could not write last_seen_at; kept queued and retried", {
            computers: this.#pending.size,
            error: String(error),
          });
        }
        throw error;
      }
    }
  }

  /** Puts a failed batch back, unless a newer sighting was queued meanwhile. */
  #requeue(batch: [string, { seenAt: number; version: string | null }][]): void {
    for (const [id, entry] of batch) {
      const newer = this.#pending.get(id);
      if (!newer) this.#pending.set(id, entry);
      else if (newer.version === null) newer.version = entry.version;
    }
  }

  #retryDelay(): number {
    return Math.min(MAX_RETRY_MS, this.#intervalMs * 2 ** Math.min(this.#failures, 10));
  }

  #schedule(delayMs: number): void {
    if (this.#timer || this.#flushing) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush().catch(() => {}); // logged in #write; retried by the next schedule
    }, delayMs);
  }
}
