/** Small payloads that had no schema of their own until the OpenAPI document needed one. */
import { z } from "zod";
import { SemverString } from "./schemas.ts";

/** `GET /api/health`. */
export const HealthReply = z.object({ status: z.literal("ok") });
export type HealthReply = z.infer<typeof HealthReply>;

/** `GET /api/admin/enrollment-token`. */
export const EnrollmentTokenReply = z.object({ enrollment_token: z.string() });
export type EnrollmentTokenReply = z.infer<typeof EnrollmentTokenReply>;

/** The multipart fields of `POST /api/admin/agents/versions` (the server streams `file`). */
export const UploadVersionForm = z.object({
  version: SemverString,
  notes: z.string().max(10_000).optional(),
  file: z.file().describe("the package zip (manifest.json, the agent and the updater)"),
});
export type UploadVersionForm = z.infer<typeof UploadVersionForm>;
