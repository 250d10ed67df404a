/**
 * API tokens: create (the secret is returned once and only its hash kept),
 * list, revoke, and authenticate. Authentication reads the database on every
 * request, with no cache, so a revocation on any instance is refused at once
 * by every other instance sharing the database.
 */
import { createHash } from "node:crypto";
import {
  API_TOKEN_PREFIX,
  type ApiScope,
  type ApiTokenRecord,
  type CreateApiTokenRequest,
  type CreatedApiToken,
} from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import {
  type ApiTokenRow,
  findUsableApiToken,
  insertApiToken,
  listApiTokens,
  revokeApiToken,
  touchApiToken,
} from "../db/api_tokens.ts";
import { HttpError } from "../errors.ts";
import { randomSecret } from "./passwords.ts";

/** `last_used_at` is written at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;

/** The token's secret is 256 random bits, so one SHA-256 is enough to store it. */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function toRecord(row: ApiTokenRow): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    created_by: row.created_by,
    created_at: row.created_at,
    expires_at: row.expires_at,
    last_used_at: row.last_used_at,
  };
}

/** The caller behind a valid API token. */
export interface ApiTokenIdentity {
  id: string;
  name: string;
  scopes: ApiScope[];
}

export class ApiTokens {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /** Creates a token; 409 when an unrevoked token has the name already. */
  async create(request: CreateApiTokenRequest, createdBy: string | null): Promise<CreatedApiToken> {
    const token = `${API_TOKEN_PREFIX}${randomSecret(32)}`;
    const scopes = [...new Set(request.scopes)];
    const row = await insertApiToken(this.db, {
      name: request.name,
      tokenHash: hashApiToken(token),
      scopes,
      createdBy,
      expiresInDays: request.expires_in_days ?? null,
    });
    if (!row) {
      throw new HttpError(409, "conflict", `A token named "${request.name}" exists already`);
    }
    return { id: row.id, name: row.name, scopes: row.scopes, token, expires_at: row.expires_at };
  }

  async list(): Promise<ApiTokenRecord[]> {
    return (await listApiTokens(this.db)).map(toRecord);
  }

  /** Revokes a token; 404 when there is no such token (or it was revoked already). */
  async revoke(id: string): Promise<ApiTokenRecord> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await revokeApiToken(this.db, id) : null;
    if (!row) throw new HttpError(404, "not_found", `API token "${id}" not found`);
    return toRecord(row);
  }

  /** The identity behind `token`, or null when it is unknown, revoked or expired. */
  async authenticate(token: string): Promise<ApiTokenIdentity | null> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return null;
    const row = await findUsableApiToken(this.db, hashApiToken(token));
    if (!row) return null;
    const lastUsed = row.last_used_at ? Date.parse(row.last_used_at) : 0;
    if (this.now() - lastUsed >= TOUCH_INTERVAL_MS) await touchApiToken(this.db, row.id);
    return { id: row.id, name: row.name, scopes: row.scopes };
  }
}
