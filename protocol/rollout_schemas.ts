/**
 * Wire payloads of staged rollouts, computer settings and update attempts
 * (DESIGN.md "Rollouts, groups and update attempts").
 */
import { z } from "zod";
import { GroupName, SemverString } from "./schemas.ts";

/** The body of `PATCH /api/admin/computers/:id`: every field optional, null clears. */
export const ComputerPatch = z.strictObject({
  group: GroupName.optional(),
  pinned_version: SemverString.nullable().optional(),
  updates_paused: z.boolean().optional(),
  download_limit_kbps: z.number().int().min(1).max(10_000_000).nullable().optional(),
}).refine((body) => Object.keys(body).length > 0, "give at least one field to change");
export type ComputerPatch = z.infer<typeof ComputerPatch>;

export const UPDATE_STATES = [
  "downloading",
  "verifying",
  "installing",
  "succeeded",
  "failed",
] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

/** The body of `POST /api/agent/update-status`. */
export const UpdateStatusReport = z.strictObject({
  attempt_id: z.uuid(),
  from_version: SemverString,
  to_version: SemverString,
  state: z.enum(UPDATE_STATES),
  progress: z.number().min(0).max(1).optional(),
  error_type: z.string().min(1).max(100).optional(),
  message: z.string().max(10_000).optional(),
});
export type UpdateStatusReport = z.infer<typeof UpdateStatusReport>;

/** One element of `GET /api/admin/computers/:id/updates`. */
export const UpdateAttempt = z.object({
  attempt_id: z.string(),
  from_version: z.string(),
  to_version: z.string(),
  state: z.enum(UPDATE_STATES),
  progress: z.number().nullable(),
  error_type: z.string().nullable(),
  message: z.string().nullable(),
  rollout_id: z.string().nullable(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
});
export type UpdateAttempt = z.infer<typeof UpdateAttempt>;

/** Thirty days: the longest wait a stage may have. */
export const MAX_STAGE_WAIT_S = 30 * 24 * 3600;

export const RolloutStage = z.strictObject({
  percent: z.number().int().min(1).max(100).optional(),
  groups: z.array(GroupName).min(1).max(50).optional(),
  wait_s: z.number().int().min(0).max(MAX_STAGE_WAIT_S).optional(),
}).refine(
  (s) => s.percent !== undefined || s.groups !== undefined,
  "a stage needs percent or groups",
);
export type RolloutStage = z.infer<typeof RolloutStage>;

/** The body of `POST /api/admin/rollouts`. */
export const CreateRolloutRequest = z.strictObject({
  version_id: z.string().min(1).max(100),
  stages: z.array(RolloutStage).min(1).max(20),
  max_failures: z.number().int().min(1).max(1_000_000).optional(),
  max_failure_rate: z.number().min(0).max(1).optional(),
});
export type CreateRolloutRequest = z.infer<typeof CreateRolloutRequest>;

export const ROLLOUT_STATUSES = ["running", "paused", "halted", "completed", "cancelled"] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

export const RolloutCounts = z.object({
  cohort: z.number(),
  updated: z.number(),
  in_progress: z.number(),
  failed: z.number(),
  pending: z.number(),
});
export type RolloutCounts = z.infer<typeof RolloutCounts>;

/** A rollout as `GET /api/admin/rollouts[/:id]` and every rollout action answer it. */
export const Rollout = z.object({
  id: z.string(),
  version_id: z.string(),
  version: z.string(),
  status: z.enum(ROLLOUT_STATUSES),
  stage_index: z.number(),
  stages: z.array(z.object({
    percent: z.number().optional(),
    groups: z.array(z.string()).optional(),
    wait_s: z.number(),
  })),
  started_at: z.string(),
  stage_started_at: z.string(),
  finished_at: z.string().nullable(),
  halt_reason: z.string().nullable(),
  max_failures: z.number(),
  max_failure_rate: z.number(),
  created_by: z.string(),
  counts: RolloutCounts,
});
export type Rollout = z.infer<typeof Rollout>;
