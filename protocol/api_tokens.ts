/**
 * API tokens for scripts and CI (docs/api.md, "API tokens"): scoped,
 * revocable bearer tokens `hgr_...` that stand in for an admin's password.
 */
import { z } from "zod";

/**
 * The scopes a token may hold. `versions:write`: upload, the stable flag,
 * rollouts. `fleet:read`: read computers, errors, versions, rollouts, the
 * audit log. `fleet:write`: change and delete computers, resolve errors.
 * `admin`: everything, including tokens and the enrollment token.
 */
export const API_SCOPES = ["versions:write", "fleet:read", "fleet:write", "admin"] as const;
export const ApiScope = z.enum(API_SCOPES);
export type ApiScope = z.infer<typeof ApiScope>;

/** Every API token starts with this, so scanners and the server can tell it from a session. */
export const API_TOKEN_PREFIX = "hgr_";

export const CreateApiTokenRequest = z.object({
  name: z.string().trim().min(1).max(100).regex(
    /^[\w .:@-]+$/,
    "must be letters, digits, spaces or . _ : @ -",
  ),
  scopes: z.array(ApiScope).min(1).max(API_SCOPES.length),
  expires_in_days: z.number().int().min(1).max(3650).optional(),
});
export type CreateApiTokenRequest = z.infer<typeof CreateApiTokenRequest>;

/** A token as `GET /api/admin/api-tokens` lists it: never the secret. */
export const ApiTokenRecord = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(ApiScope),
  created_by: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
});
export type ApiTokenRecord = z.infer<typeof ApiTokenRecord>;

/** The 201 reply of `POST /api/admin/api-tokens`: the only time the token is shown. */
export const CreatedApiToken = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(ApiScope),
  token: z.string().startsWith(API_TOKEN_PREFIX),
  expires_at: z.string().nullable(),
});
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;
