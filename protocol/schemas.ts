/**
 * One schema per wire payload, shared by the server (input validation), the
 * agent (it validates the server's replies) and the admin page (types).
 * Field names keep the plan's snake_case.
 */
import { z } from "zod";
import { isValidVersion, MAX_VERSION_LENGTH } from "../package/version.ts";

/** A semantic version such as `1.2.3` or `2.0.0-rc.1`, under the one version rule (package/). */
export const SemverString = z.string().max(MAX_VERSION_LENGTH).refine(
  isValidVersion,
  "must be a semantic version",
);

/** A computer group's name: what `agent enroll --group` and the admin set. */
export const GroupName = z.string().min(1).max(100).regex(
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  "must be letters, digits, '.', '_' or '-', starting with a letter or digit",
);

export const LoginRequest = z.object({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(1000),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const AdminUser = z.object({ id: z.string(), username: z.string(), role: z.string() });
export type AdminUser = z.infer<typeof AdminUser>;

export const LoginResponse = z.object({
  token: z.string(),
  expires_at: z.string(),
  user: AdminUser,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const RegisterRequest = z.object({
  hostname: z.string().min(1).max(255),
  os: z.string().min(1).max(255),
  agent_version: SemverString,
  /** The computer's group (`agent enroll --group`); default "default". */
  group: GroupName.optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const RegisterResponse = z.object({ agent_id: z.string(), agent_token: z.string() });
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const AgentVersionRecord = z.object({
  id: z.string(),
  version: z.string(),
  checksum_sha256: z.string(),
  download_url: z.string(),
  notes: z.string().nullable(),
  is_stable: z.boolean(),
  file_size: z.number(),
  signed_by: z.string().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type AgentVersionRecord = z.infer<typeof AgentVersionRecord>;

export const SetStabilityRequest = z.object({ is_stable: z.boolean() });
export type SetStabilityRequest = z.infer<typeof SetStabilityRequest>;

/** The 200 reply of `GET /api/agent/check_update`. */
export const UpdateInfo = z.object({
  version: SemverString,
  download_url: z.string().min(1),
  checksum_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  file_size: z.number().int().nonnegative(),
  /** The download bandwidth limit for this computer, when the admin or the server sets one. */
  download_limit_kbps: z.number().int().positive().optional(),
});
export type UpdateInfo = z.infer<typeof UpdateInfo>;

/** The body of `POST /api/agent/report-error`. */
export const ErrorReport = z.object({
  error_type: z.string().min(1).max(100),
  message: z.string().max(10_000),
  timestamp: z.string().min(1).max(100),
  agent_version: z.string().min(1).max(256),
  stack_trace: z.string().max(50_000).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  report_id: z.string().min(1).max(100).optional(),
});
export type ErrorReport = z.infer<typeof ErrorReport>;

/** One element of `computers.errors`. */
export const ComputerError = z.object({
  id: z.string(),
  error_type: z.string(),
  error_message: z.string(),
  error_details: z.record(z.string(), z.unknown()),
  reported_at: z.string(),
  resolved: z.boolean(),
  resolved_at: z.string().nullable(),
  resolution_notes: z.string().nullable(),
  /** Who resolved it: an admin's username or an API token's name (null: before 0015). */
  resolved_by: z.string().nullable().optional(),
  report_id: z.string().nullable().optional(),
});
export type ComputerError = z.infer<typeof ComputerError>;

export const ResolveErrorRequest = z.object({
  resolution_notes: z.string().max(10_000).nullable().optional(),
});
export type ResolveErrorRequest = z.infer<typeof ResolveErrorRequest>;

/** A computer as admins see it in `GET /api/admin/computers`. */
export const ComputerSummary = z.object({
  id: z.string(),
  agent_id: z.string(),
  hostname: z.string(),
  os: z.string(),
  agent_version: z.string(),
  last_seen_at: z.string().nullable(),
  online: z.boolean(),
  have_active_errors: z.boolean(),
  active_error_count: z.number(),
  group: z.string(),
  pinned_version: z.string().nullable(),
  updates_paused: z.boolean(),
  download_limit_kbps: z.number().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ComputerSummary = z.infer<typeof ComputerSummary>;

/** Payload of `agent:new_version_available`. */
export const NewVersionPayload = z.object({ new_stable_version: SemverString });
export type NewVersionPayload = z.infer<typeof NewVersionPayload>;

/** The body of every error reply. */
export const ApiErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
