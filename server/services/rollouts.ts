/**
 * Staged rollouts: an admin creates one and pauses, resumes, advances or
 * cancels it; `RolloutEvaluator` advances, halts and completes it on its own.
 * Each instance keeps the active rollout in memory (`offer`), refreshed when
 * any instance changes it (the notifier) and on every evaluation tick, so
 * check_update decides cohort membership without a query.
 */
import semver from "semver";
import {
  AUDIT_ACTIONS,
  type AuditAction,
  type CreateRolloutRequest,
  type Rollout,
  type RolloutCounts,
  type RolloutStatus,
  SYSTEM_ACTOR,
} from "../../protocol/mod.ts";
import { type AgentVersionRow, setAgentVersionStable } from "../db/agent_versions.ts";
import { type ComputerPolicy, listComputerPolicies } from "../db/computer_settings.ts";
import type { Db, Queryable } from "../db/db.ts";
import {
  findActiveRollout,
  findRollout,
  insertRollout,
  latestRolloutAttempts,
  listRollouts,
  type RolloutRow,
  updateRollout,
} from "../db/rollouts.ts";
import { HttpError } from "../errors.ts";
import { isUuid } from "../validate.ts";
import type { Logger } from "../log.ts";
import type { Notifier } from "../ws/notifier.ts";
import type { AgentVersions } from "./agent_versions.ts";
import { recordAudit } from "./audit.ts";
import { type Cohort, cohortAt, inCohort, mayReceive, type StageSpec } from "./rollout_cohort.ts";

export const DEFAULT_MAX_FAILURES = 3;
export const DEFAULT_MAX_FAILURE_RATE = 0.1;

export type RolloutAction = "pause" | "resume" | "advance" | "cancel";

const ACTION_AUDIT: Record<RolloutAction, AuditAction> = {
  pause: AUDIT_ACTIONS.rolloutPause,
  resume: AUDIT_ACTIONS.rolloutResume,
  advance: AUDIT_ACTIONS.rolloutAdvance,
  cancel: AUDIT_ACTIONS.rolloutCancel,
};

/** The statuses each admin action is allowed from (DESIGN.md). */
const ALLOWED_FROM: Record<RolloutAction, readonly RolloutStatus[]> = {
  pause: ["running", "paused"],
  advance: ["running", "paused"],
  resume: ["paused", "halted"],
  cancel: ["running", "paused", "halted"],
};

/** The active rollout as check_update sees it. */
export interface ActiveRollout {
  id: string;
  status: RolloutStatus;
  version: AgentVersionRow;
  cohort: Cohort;
  stages: StageSpec[];
  stageIndex: number;
}

export interface RolloutsDeps {
  db: Db;
  versions: AgentVersions;
  notifier: Notifier;
  logger: Logger;
}

export class Rollouts {
  #active: ActiveRollout | null = null;
  #refreshing: Promise<void> | null = null;

  constructor(private readonly deps: RolloutsDeps) {}

  /** The active rollout (running, paused or halted) this instance knows of. */
  get active(): ActiveRollout | null {
    return this.#active;
  }

  /** The id of the active rollout when it is rolling out `version` (attempts belong to it). */
  rolloutIdFor(version: string): string | null {
    const active = this.#active;
    return active && semver.eq(active.version.version, version) ? active.id : null;
  }

  /** Reloads the active rollout; concurrent calls share one query. */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const row = await findActiveRollout(this.deps.db);
        this.#active = row ? await this.#toActive(row) : null;
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  async create(input: CreateRolloutRequest, actor: string): Promise<Rollout> {
    const version = !isUuid(input.version_id)
      ? null
      : await this.deps.versions.findById(input.version_id);
    if (!version) {
      throw new HttpError(404, "not_found", `Agent version "${input.version_id}" not found`);
    }
    const stable = await this.deps.versions.latestStable();
    if (stable && !semver.gt(version.version, stable.version)) {
      throw new HttpError(
        400,
        "validation_failed",
        `Version ${version.version} is not newer than the stable version ${stable.version}`,
      );
    }
    const percents = input.stages.map((s) => s.percent ?? 0);
    if (percents.some((p, i) => i > 0 && p !== 0 && p < Math.max(...percents.slice(0, i)))) {
      throw new HttpError(
        400,
        "validation_failed",
        `Stage percents must not go down (got ${percents.join(", ")}): cohorts are cumulative`,
      );
    }
    const id = await insertRollout(this.deps.db, {
      versionId: version.id,
      stages: input.stages.map((s) => ({ ...s, wait_s: s.wait_s ?? 0 })),
      maxFailures: input.max_failures ?? DEFAULT_MAX_FAILURES,
      maxFailureRate: input.max_failure_rate ?? DEFAULT_MAX_FAILURE_RATE,
      createdBy: actor,
    });
    if (!id) {
      const other = await findActiveRollout(this.deps.db);
      throw new HttpError(
        409,
        "conflict",
        `Another rollout is active (${other?.id}, ${other?.version}, ${other?.status}): ` +
          "finish or cancel it first",
      );
    }
    this.deps.logger.info("rollout created", { rollout_id: id, version: version.version, actor });
    await this.#record(actor, AUDIT_ACTIONS.rolloutCreate, id, {
      version: version.version,
      stages: input.stages,
    });
    await this.publish(id, -1);
    return await this.get(id);
  }

  /** An admin's action on a rollout; 409 when its status does not allow it. */
  async act(id: string, action: RolloutAction, actor: string): Promise<Rollout> {
    if (!isUuid(id)) throw notFound(id);
    const outcome = await this.deps.db.transaction(async (tx) => {
      const row = await findRollout(tx, id, true);
      if (!row) throw notFound(id);
      if (!ALLOWED_FROM[action].includes(row.status)) {
        throw new HttpError(
          409,
          "conflict",
          `Cannot ${action} a rollout that is ${row.status} (allowed when ${
            ALLOWED_FROM[action].join(" or ")
          })`,
        );
      }
      if (action === "pause") await updateRollout(tx, id, { status: "paused" });
      if (action === "cancel") await updateRollout(tx, id, { status: "cancelled" });
      if (action === "resume") {
        // Lifting a halt is the admin's override: the failures so far no longer count.
        const recount = row.status === "halted";
        await updateRollout(tx, id, { status: "running", haltReason: null, recount });
      }
      if (action === "advance") return await this.moveOn(tx, row);
      return { notifyAfter: action === "resume" ? -1 : null, completed: false, row };
    });
    this.deps.logger.info(`rollout ${action}`, { rollout_id: id, actor });
    await this.#record(actor, ACTION_AUDIT[action], id, {
      stage_index: outcome.row.stage_index,
      ...(outcome.completed ? { completed: true } : {}),
    });
    await this.afterChange(outcome);
    return await this.get(id);
  }

  /**
   * Moves a locked rollout to its next stage, or completes it after the last
   * one (the version becomes stable). Used by `advance` and the evaluator.
   */
  async moveOn(
    tx: Queryable,
    row: RolloutRow,
  ): Promise<{ notifyAfter: number | null; completed: boolean; row: RolloutRow }> {
    if (row.stage_index + 1 >= row.stages.length) {
      await updateRollout(tx, row.id, { status: "completed" });
      await setAgentVersionStable(tx, row.version_id, true);
      return { notifyAfter: null, completed: true, row };
    }
    await updateRollout(tx, row.id, { stageIndex: row.stage_index + 1 });
    return { notifyAfter: row.stage_index, completed: false, row };
  }

  /** Tells every instance what changed (after the transaction committed). */
  async afterChange(outcome: { notifyAfter: number | null; completed: boolean; row: RolloutRow }) {
    if (outcome.completed) {
      this.deps.versions.invalidate();
      await this.deps.notifier.publish({
        type: "versions_changed",
        new_stable_version: outcome.row.version,
      });
    }
    await this.publish(outcome.row.id, outcome.notifyAfter);
  }

  async publish(rolloutId: string, notifyAfterStage: number | null): Promise<void> {
    await this.refresh().catch(() => {});
    await this.deps.notifier.publish({
      type: "rollout_changed",
      rollout_id: rolloutId,
      notify_after_stage: notifyAfterStage,
    });
  }

  async list(): Promise<Rollout[]> {
    const rows = await listRollouts(this.deps.db);
    // One read of the fleet for the whole list, not one per rollout.
    const computers = await listComputerPolicies(this.deps.db, null);
    return await Promise.all(rows.map((row) => this.#toRollout(row, computers)));
  }

  async get(id: string): Promise<Rollout> {
    if (!isUuid(id)) throw notFound(id);
    const row = await findRollout(this.deps.db, id);
    if (!row) throw notFound(id);
    return await this.#toRollout(row);
  }

  /** The cohort's counts: who may receive the version now, and how far each got. */
  async counts(row: RolloutRow, fleet?: ComputerPolicy[]): Promise<RolloutCounts> {
    const cohort = cohortAt(row.stages, row.stage_index);
    const [computers, attempts] = await Promise.all([
      fleet ?? listComputerPolicies(this.deps.db, null),
      latestRolloutAttempts(this.deps.db, row.id),
    ]);
    const counts = { cohort: 0, updated: 0, in_progress: 0, failed: 0, pending: 0 };
    for (const computer of computers) {
      const updated = semver.valid(computer.agent_version) !== null &&
        semver.gte(computer.agent_version, row.version);
      const member = inCohort(cohort, row.id, computer) && mayReceive(computer, row.version);
      if (!member) continue;
      counts.cohort++;
      const state = attempts.get(computer.id);
      if (updated) counts.updated++;
      else if (state === "failed") counts.failed++;
      else if (state !== undefined && state !== "succeeded") counts.in_progress++;
      else counts.pending++;
    }
    return counts;
  }

  async #toRollout(row: RolloutRow, fleet?: ComputerPolicy[]): Promise<Rollout> {
    return {
      id: row.id,
      version_id: row.version_id,
      version: row.version,
      status: row.status,
      stage_index: row.stage_index,
      stages: row.stages,
      started_at: row.started_at,
      stage_started_at: row.stage_started_at,
      finished_at: row.finished_at,
      halt_reason: row.halt_reason,
      max_failures: row.max_failures,
      max_failure_rate: row.max_failure_rate,
      created_by: row.created_by,
      counts: await this.counts(row, fleet),
    };
  }

  async #toActive(row: RolloutRow): Promise<ActiveRollout | null> {
    const version = await this.deps.versions.findById(row.version_id);
    if (!version) return null;
    return {
      id: row.id,
      status: row.status,
      version,
      cohort: cohortAt(row.stages, row.stage_index),
      stages: row.stages,
      stageIndex: row.stage_index,
    };
  }

  async #record(
    actor: string,
    action: AuditAction,
    id: string,
    details: Record<string, unknown>,
  ) {
    try {
      await recordAudit(this.deps.db, {
        actor,
        action,
        target_type: "rollout",
        target_id: id,
        details,
      });
    } catch (error) {
      this.deps.logger.error("could not record an audit entry", { action, error: String(error) });
    }
  }

  /** Records an automatic step (actor `system`). */
  recordSystem(action: AuditAction, id: string, details: Record<string, unknown>): Promise<void> {
    return this.#record(SYSTEM_ACTOR, action, id, details);
  }
}

function notFound(id: string): HttpError {
  return new HttpError(404, "not_found", `Rollout "${id.slice(0, 100)}" not found`);
}
