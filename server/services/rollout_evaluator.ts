/**
 * The automatic steps of a running rollout: halt it the moment its rule
 * breaks, move to the next stage once a stage's wait has passed, and complete
 * it after the last one. It runs every EVALUATE_INTERVAL_MS and after every
 * finished update attempt. The running rollout is taken with
 * `FOR UPDATE SKIP LOCKED`, so of several instances evaluating at once one
 * acts and the others skip; the stage's age comes from the database's clock.
 */
import { AUDIT_ACTIONS } from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import {
  countComputersOnVersion,
  lockRunningRollout,
  rolloutFailureTypes,
  type RolloutRow,
  updateRollout,
} from "../db/rollouts.ts";
import { type AttemptTally, tallyRolloutAttempts } from "../db/update_attempts.ts";
import type { Logger } from "../log.ts";
import type { Rollouts } from "./rollouts.ts";

export const EVALUATE_INTERVAL_MS = 5_000;
/** The failure rate counts only once this many attempts have finished. */
export const MIN_FINISHED_FOR_RATE = 10;

/**
 * Why `row` must halt given its attempts, or null while its rule holds. The
 * reason names the numbers, the commonest error types, and what to do.
 */
export function haltReason(
  row: RolloutRow,
  tally: AttemptTally,
  failureTypes: { error_type: string; n: number }[],
): string | null {
  const finished = tally.failed + tally.succeeded;
  let broke: string | null = null;
  if (tally.failed >= row.max_failures) {
    broke = `${tally.failed} update attempts to ${row.version} failed ` +
      `(the limit is max_failures = ${row.max_failures})`;
  } else if (finished >= MIN_FINISHED_FOR_RATE && tally.failed / finished > row.max_failure_rate) {
    broke = `${tally.failed} of ${finished} finished update attempts to ${row.version} failed ` +
      `(${
        Math.round((tally.failed / finished) * 100)
      }%, over max_failure_rate = ${row.max_failure_rate})`;
  }
  if (broke === null) return null;
  const types = failureTypes.map((t) => `${t.error_type} x${t.n}`).join(", ");
  return `${broke}; errors: ${types || "none reported"}. No further computer is offered ` +
    `${row.version}. Look at the failed computers' updates (GET /api/admin/computers/:id/updates) ` +
    "and their errors, then cancel this rollout and upload a fixed version, " +
    "or resume it if the failures were not the release's fault.";
}

export class RolloutEvaluator {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | null = null;
  #again = false;

  constructor(
    private readonly db: Db,
    private readonly rollouts: Rollouts,
    private readonly logger: Logger,
  ) {}

  start(intervalMs = EVALUATE_INTERVAL_MS): void {
    this.#timer = setInterval(() => this.evaluateSoon(), intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#again = false;
    await this.#running;
  }

  /** Evaluates now, or once more right after the evaluation under way. */
  evaluateSoon(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.evaluate();
        } catch (error) {
          this.logger.error("rollout evaluation failed", { error: String(error) });
        }
      } while (this.#again);
    })().finally(() => (this.#running = null));
    return this.#running;
  }

  /** One evaluation; returns what it did (`none` also when another instance holds the rollout). */
  async evaluate(): Promise<"none" | "halted" | "advanced" | "completed"> {
    const outcome = await this.db.transaction(async (tx) => {
      const row = await lockRunningRollout(tx);
      if (!row) return null;
      const tally = await tallyRolloutAttempts(tx, row.id, row.counted_since);
      // An agent that moved to the version without reporting counts as a success.
      tally.succeeded = Math.max(tally.succeeded, await countComputersOnVersion(tx, row.version));
      const reason = haltReason(row, tally, await rolloutFailureTypes(tx, row.id));
      if (reason !== null) {
        await updateRollout(tx, row.id, { status: "halted", haltReason: reason });
        return { kind: "halted" as const, row, reason, tally };
      }
      const wait = row.stages[row.stage_index].wait_s;
      if (row.stage_age_s < wait) return null;
      const moved = await this.rollouts.moveOn(tx, row);
      return {
        kind: moved.completed ? "completed" as const : "advanced" as const,
        row,
        moved,
        tally,
      };
    });
    if (!outcome) {
      await this.rollouts.refresh().catch(() => {});
      return "none";
    }
    const { row, tally } = outcome;
    const fields = {
      rollout_id: row.id,
      version: row.version,
      stage_index: row.stage_index,
      failed: tally.failed,
      succeeded: tally.succeeded,
    };
    if (outcome.kind === "halted") {
      this.logger.warn("rollout halted", { ...fields, halt_reason: outcome.reason });
      await this.rollouts.recordSystem(AUDIT_ACTIONS.rolloutHalt, row.id, {
        ...fields,
        halt_reason: outcome.reason,
      });
      await this.rollouts.publish(row.id, null);
    } else {
      this.logger.info(`rollout ${outcome.kind}`, fields);
      await this.rollouts.recordSystem(
        outcome.kind === "completed" ? AUDIT_ACTIONS.rolloutComplete : AUDIT_ACTIONS.rolloutAdvance,
        row.id,
        fields,
      );
      await this.rollouts.afterChange(outcome.moved);
    }
    return outcome.kind;
  }
}
