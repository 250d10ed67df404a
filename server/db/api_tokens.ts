/** Data access for API tokens (migration 0016). Only hashes of the secrets are stored. */
import type { ApiScope } from "../../protocol/mod.ts";
import { type Queryable, type Row, toIso, toIsoOrNull } from "./db.ts";

export interface ApiTokenRow {
  id: string;
  name: string;
  scopes: ApiScope[];
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

const COLUMNS =
  "id::text AS id, name, scopes, created_by, created_at, expires_at, last_used_at, revoked_at";

function toRow(row: Row): ApiTokenRow {
  return {
    id: String(row.id),
    name: String(row.name),
    scopes: (typeof row.scopes === "string" ? JSON.parse(row.scopes) : row.scopes) as ApiScope[],
    created_by: row.created_by === null ? null : String(row.created_by),
    created_at: toIso(row.created_at),
    expires_at: toIsoOrNull(row.expires_at),
    last_used_at: toIsoOrNull(row.last_used_at),
    revoked_at: toIsoOrNull(row.revoked_at),
  };
}

export interface NewApiToken {
  name: string;
  tokenHash: string;
  scopes: ApiScope[];
  createdBy: string | null;
  expiresInDays: number | null;
}

/** Inserts a token; null when an unrevoked token already has this name. */
export async function insertApiToken(
  db: Queryable,
  token: NewApiToken,
): Promise<ApiTokenRow | null> {
  const rows = await db.query(
    `INSERT INTO api_tokens (name, token_hash, scopes, created_by, expires_at)
     VALUES ($1, $2, $3::text::jsonb, $4,
             CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(days => $5::int) END)
     ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      token.name,
      token.tokenHash,
      JSON.stringify(token.scopes),
      token.createdBy,
      token.expiresInDays,
    ],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/** Tokens not revoked, newest first. */
export async function listApiTokens(db: Queryable): Promise<ApiTokenRow[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM api_tokens WHERE revoked_at IS NULL ORDER BY created_at DESC, name`,
  );
  return rows.map(toRow);
}

/** The usable token with this hash: not revoked and not expired (by the database's clock). */
export async function findUsableApiToken(
  db: Queryable,
  tokenHash: string,
): Promise<ApiTokenRow | null> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM api_tokens
     WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [tokenHash],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/** Revokes a token; returns it, or null when no unrevoked token has this id. */
export async function revokeApiToken(db: Queryable, id: string): Promise<ApiTokenRow | null> {
  const rows = await db.query(
    `UPDATE api_tokens SET revoked_at = now()
     WHERE id::text = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/** Records a use, at most once a minute per token (a busy script does not write each request). */
export async function touchApiToken(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE api_tokens SET last_used_at = now()
     WHERE id::text = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}
