/**
 * The agent's update-status reports (`POST /api/agent/update-status`): each
 * update is an attempt with its own id, reported through a durable outbox as
 * it moves through downloading (with progress, at most every
 * PROGRESS_INTERVAL_MS), verifying and installing. The attempt is written to
 * `config/update_attempt.json` before the updater takes over, so the agent
 * that starts next settles it: `succeeded` when it runs the new version and is
 * healthy, `failed` (with the updater's error type) when the old one came back.
 */
import { type UpdateState, UpdateStatusReport } from "../../protocol/mod.ts";
import { readTextIfExists, writeJsonAtomic } from "../atomic_file.ts";
import { AgentState } from "../core/agent_state.ts";
import type { Logger } from "../log.ts";
import { Outbox, type SendResult } from "../outbox.ts";

/** Download progress is reported at most this often. */
const PROGRESS_INTERVAL_MS = 5_000;

interface Attempt {
  attempt_id: string;
  from_version: string;
  to_version: string;
}

/** What the updater left when the update did not complete (`update_result.json`). */
export interface UpdaterResult {
  error_type?: unknown;
  message?: unknown;
}

export interface UpdateStatusOptions {
  /** The outbox file (`update_status.jsonl`). */
  outboxPath: string;
  /** Where the attempt in progress is kept across the hand-over (`config/update_attempt.json`). */
  attemptPath: string;
  send: (report: UpdateStatusReport, signal: AbortSignal) => Promise<SendResult>;
  log: Logger;
  retryMaxMs?: number;
  now?: () => number;
}

export class UpdateStatusReporter {
  #attempt: Attempt | null = null;
  /** The attempt a previous agent handed over (read at open): the only one `settle` settles. */
  #handedOver: Attempt | null = null;
  #lastProgressAt = -Infinity;

  private constructor(
    private readonly options: UpdateStatusOptions,
    private readonly outbox: Outbox<UpdateStatusReport>,
  ) {}

  static async open(options: UpdateStatusOptions): Promise<UpdateStatusReporter> {
    const outbox = await Outbox.open<UpdateStatusReport>({
      path: options.outboxPath,
      send: options.send,
      log: options.log,
      parse: (value) => UpdateStatusReport.parse(value),
      idOf: (r) => `${r.attempt_id}:${r.state}:${r.progress ?? ""}`,
      ...(options.retryMaxMs ? { retryMaxMs: options.retryMaxMs } : {}),
    });
    const reporter = new UpdateStatusReporter(options, outbox);
    const text = await readTextIfExists(options.attemptPath);
    if (text !== null) {
      try {
        reporter.#attempt = reporter.#handedOver = JSON.parse(text);
      } catch {
        options.log.warn("Unreadable update attempt file; forgetting it", {
          path: options.attemptPath,
        });
        await Deno.remove(options.attemptPath).catch(() => {});
      }
    }
    return reporter;
  }

  /** Reports not yet delivered. */
  get pending(): readonly UpdateStatusReport[] {
    return this.outbox.pending;
  }

  /** Starts a new attempt from `from` to `to`: `downloading`, progress 0. */
  async begin(from: string, to: string): Promise<void> {
    this.#attempt = { attempt_id: crypto.randomUUID(), from_version: from, to_version: to };
    await writeJsonAtomic(this.options.attemptPath, this.#attempt);
    this.#lastProgressAt = (this.options.now ?? Date.now)();
    await this.#send("downloading", { progress: 0 });
  }

  /** Download progress (0..1); sent at most every PROGRESS_INTERVAL_MS, and always at 1. */
  progress(fraction: number): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    if (fraction < 1 && now - this.#lastProgressAt < PROGRESS_INTERVAL_MS) {
      return Promise.resolve();
    }
    this.#lastProgressAt = now;
    return this.#send("downloading", { progress: Math.min(1, Math.max(0, fraction)) });
  }

  /** Follows the agent's update states: verifying, then installing when the updater starts. */
  onAgentState(state: AgentState): Promise<void> {
    if (state === AgentState.UPDATING_VERIFYING) return this.#send("verifying");
    if (state === AgentState.UPDATING_PREPARING_SHUTDOWN) return this.#send("installing");
    return Promise.resolve();
  }

  /** The attempt failed on this side: report it and forget it. */
  async failed(errorType: string, message: string): Promise<void> {
    await this.#send("failed", { error_type: errorType, message: message.slice(0, 10_000) });
    await this.#forget();
  }

  /**
   * Settles the attempt a previous agent handed over, once this agent is
   * healthy (`result`: the updater's `update_result.json`, if any). Running
   * the attempt's target version: succeeded; anything else: failed. An
   * attempt this agent began is left alone: a check that ends while a
   * notice's update runs must not settle that update as failed.
   */
  async settle(runningVersion: string, result: UpdaterResult | null = null): Promise<void> {
    const attempt = this.#attempt;
    if (!attempt || attempt !== this.#handedOver) return;
    if (runningVersion === attempt.to_version && result === null) {
      await this.#send("succeeded", { progress: 1 });
    } else {
      const errorType = typeof result?.error_type === "string"
        ? result.error_type
        : "UpdateGeneralFailure";
      const message = typeof result?.message === "string"
        ? result.message
        : `The agent restarted on ${runningVersion}, not ${attempt.to_version}`;
      await this.#send("failed", { error_type: errorType, message: message.slice(0, 10_000) });
    }
    this.options.log.info("Update attempt settled", { ...attempt, running: runningVersion });
    await this.#forget();
  }

  /** Delivers now (the server just answered). */
  flushNow(): void {
    this.outbox.flushNow();
  }

  stop(): Promise<void> {
    return this.outbox.stop();
  }

  async #send(state: UpdateState, extra: Partial<UpdateStatusReport> = {}): Promise<void> {
    if (!this.#attempt) return;
    try {
      await this.outbox.add({ ...this.#attempt, state, ...extra });
    } catch (error) {
      this.options.log.error("Could not buffer an update status", { state, error: String(error) });
    }
  }

  async #forget(): Promise<void> {
    this.#attempt = this.#handedOver = null;
    await Deno.remove(this.options.attemptPath).catch(() => {});
  }
}
