/**
 * Groups, pins, update attempts and rollouts for the OpenAPI document
 * (DESIGN.md "Rollouts, groups and update attempts"; docs/api.md).
 */
import { z } from "zod";
import {
  ComputerPatch,
  ComputerSummary,
  CreateRolloutRequest,
  Rollout,
  UpdateAttempt,
  UpdateStatusReport,
} from "../../protocol/mod.ts";
import * as ex from "./examples.ts";
import { jsonReply, okJson, type OperationDoc } from "./operation.ts";

const ROLLOUT_ID = "7a9e4c2b-1d3f-4e5a-8b6c-9d0e1f2a3b4c";
const ATTEMPT_ID = "2f1c9c4e-6f7a-4b7e-9d55-0a3c5e1b2d10";

const computerParam = { id: { description: "The computer's id", example: ex.COMPUTER_ID } };
const rolloutParam = { id: { description: "The rollout's id", example: ROLLOUT_ID } };

const rolloutExample: Rollout = {
  id: ROLLOUT_ID,
  version_id: ex.VERSION_ID,
  version: "1.2.0",
  status: "running",
  stage_index: 1,
  stages: [{ groups: ["canary"], wait_s: 3600 }, { percent: 10, wait_s: 3600 }, {
    percent: 100,
    wait_s: 3600,
  }],
  started_at: ex.AT,
  stage_started_at: ex.AT,
  finished_at: null,
  halt_reason: null,
  max_failures: 3,
  max_failure_rate: 0.1,
  created_by: "admin",
  counts: { cohort: 44, updated: 30, in_progress: 4, failed: 1, pending: 9 },
};

export const ROLLOUT_OPERATIONS: OperationDoc[] = [
  {
    method: "patch",
    path: "/api/admin/computers/:id",
    tag: "Computers",
    summary: "Change a computer's group, pin, pause or download limit",
    description: "`null` clears `pinned_version` or `download_limit_kbps`.",
    auth: "admin",
    params: computerParam,
    body: { schema: ComputerPatch, example: { group: "canary", pinned_version: "1.4.2" } },
    replies: okJson("The computer", ComputerSummary, ex.computerExample),
    errors: [[404, "not_found", `Computer "${ex.COMPUTER_ID}" not found`]],
  },
  {
    method: "delete",
    path: "/api/admin/computers/:id",
    tag: "Computers",
    summary: "Delete a computer: its token stops working on every instance",
    auth: "admin",
    params: computerParam,
    replies: { 204: { description: "Deleted; its WebSocket is closed" } },
    errors: [[404, "not_found", `Computer "${ex.COMPUTER_ID}" not found`]],
  },
  {
    method: "get",
    path: "/api/admin/computers/:id/updates",
    tag: "Computers",
    summary: "A computer's update attempts, newest first",
    auth: "admin",
    params: computerParam,
    replies: {
      200: {
        description: "The attempts",
        schema: UpdateAttempt.array(),
        example: [{
          attempt_id: ATTEMPT_ID,
          from_version: "1.1.0",
          to_version: "1.2.0",
          state: "downloading",
          progress: 0.37,
          error_type: null,
          message: null,
          rollout_id: ROLLOUT_ID,
          started_at: ex.AT,
          finished_at: null,
        }],
      },
    },
    errors: [[404, "not_found", `Computer "${ex.COMPUTER_ID}" not found`]],
  },
  {
    method: "post",
    path: "/api/admin/enrollment-token/rotate",
    tag: "Computers",
    summary: "Replace the enrollment token; the old one stops enrolling at once",
    auth: "admin",
    replies: {
      200: jsonReply("The new token", z.object({ enrollment_token: z.string() }), {
        enrollment_token: "k3Vx9mQ2-pL7rT0aZ4nB8cD1eF6gH5jW",
      }),
    },
  },
  {
    method: "post",
    path: "/api/agent/update-status",
    tag: "Agent",
    summary: "Report an update attempt's progress (idempotent per attempt and state)",
    auth: "agent",
    body: {
      schema: UpdateStatusReport,
      example: {
        attempt_id: ATTEMPT_ID,
        from_version: "1.1.0",
        to_version: "1.2.0",
        state: "downloading",
        progress: 0.37,
      },
    },
    replies: { 204: { description: "Recorded (or already known)" } },
  },
  {
    method: "post",
    path: "/api/admin/rollouts",
    tag: "Rollouts",
    summary: "Start a staged rollout of a version",
    auth: "admin",
    body: {
      schema: CreateRolloutRequest,
      example: {
        version_id: ex.VERSION_ID,
        stages: [{ groups: ["canary"], wait_s: 3600 }, { percent: 10, wait_s: 3600 }],
        max_failures: 3,
      },
    },
    replies: { 201: { description: "The rollout", schema: Rollout, example: rolloutExample } },
    errors: [
      [404, "not_found", `Agent version "${ex.VERSION_ID}" not found`],
      [409, "conflict", "Another rollout is active: finish or cancel it first"],
    ],
  },
  {
    method: "get",
    path: "/api/admin/rollouts",
    tag: "Rollouts",
    summary: "Rollouts, newest first, with live counts",
    auth: "admin",
    replies: okJson("The rollouts", Rollout.array(), [rolloutExample]),
  },
  {
    method: "get",
    path: "/api/admin/rollouts/:id",
    tag: "Rollouts",
    summary: "One rollout with live counts",
    auth: "admin",
    params: rolloutParam,
    replies: { 200: { description: "The rollout", schema: Rollout, example: rolloutExample } },
    errors: [[404, "not_found", `Rollout "${ROLLOUT_ID}" not found`]],
  },
  {
    method: "post",
    path: "/api/admin/rollouts/:id/:action",
    tag: "Rollouts",
    summary: "Pause, resume, advance or cancel a rollout",
    description: "409 when the rollout's status does not allow the action.",
    auth: "admin",
    params: {
      ...rolloutParam,
      action: {
        description: "What to do",
        example: "pause",
        enum: ["pause", "resume", "advance", "cancel"],
      },
    },
    replies: { 200: { description: "The rollout", schema: Rollout, example: rolloutExample } },
    errors: [
      [404, "not_found", `Rollout "${ROLLOUT_ID}" not found`],
      [409, "conflict", "Cannot resume a rollout that is running (allowed when paused or halted)"],
    ],
  },
];
