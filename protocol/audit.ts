/** The audit log's wire shape and its action names (docs/api.md "Audit log"). */
import { z } from "zod";

/** Every action the server records. New writes add their name here and to docs/api.md. */
export const AUDIT_ACTIONS = {
  signIn: "auth.sign_in",
  signInFailed: "auth.sign_in_failed",
  signOut: "auth.sign_out",
  versionUpload: "version.upload",
  versionStable: "version.set_stable",
  errorResolve: "error.resolve",
  computerUpdate: "computer.update",
  computerDelete: "computer.delete",
  enrollmentTokenRotate: "enrollment_token.rotate",
  rolloutCreate: "rollout.create",
  rolloutPause: "rollout.pause",
  rolloutResume: "rollout.resume",
  rolloutAdvance: "rollout.advance",
  rolloutCancel: "rollout.cancel",
  rolloutHalt: "rollout.halt",
  rolloutComplete: "rollout.complete",
  apiTokenCreate: "api_token.create",
  apiTokenDelete: "api_token.delete",
} as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

/** The actor of automatic steps (a rollout's advance, halt and completion). */
export const SYSTEM_ACTOR = "system";

/** One entry of `GET /api/admin/audit`. */
export const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** The query of `GET /api/admin/audit`; `after` is the `X-Next-Cursor` of the page before. */
export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.string().regex(/^[1-9][0-9]{0,18}$/, "must be a cursor from X-Next-Cursor").optional(),
  action: z.string().max(100).optional(),
  actor: z.string().max(200).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;
