/**
 * Admin sign-in: first-admin bootstrap, password checks, rate limits, and
 * revocable sessions. A session token is a JWT naming a row of admin_sessions
 * (`sid`); every use checks that row (cached for SESSION_CACHE_MS) and takes
 * the user's name and role from admin_users, so signing out, demoting or
 * deleting a user takes effect within that time on every instance.
 */
import { sign, verify } from "hono/jwt";
import { AUDIT_ACTIONS, type LoginResponse } from "../../protocol/mod.ts";
import {
  type AdminSessionRow,
  deleteOldAdminSessions,
  findAdminSession,
  insertAdminSession,
  revokeAdminSession,
} from "../db/admin_sessions.ts";
import type { Db } from "../db/db.ts";
import { countAdmins, findAdminByUsername, insertAdmin } from "../db/admin_users.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { recordAudit } from "./audit.ts";
import { hashPassword, randomSecret, verifyPassword } from "./passwords.ts";
import { countAttempt, RateLimiter } from "./rate_limiter.ts";

export interface SessionClaims {
  sub: string;
  username: string;
  role: string;
  exp: number;
  /** The admin_sessions row behind the token. */
  sid: string;
}

/** How long a session's row (revocation, the user's role) is trusted without reading it again. */
export const SESSION_CACHE_MS = 2_000;
const SESSION_CACHE_LIMIT = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A hash to compare against when the username is unknown, so timing does not tell. */
const DUMMY_HASH =
  "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

const WINDOW_MS = 15 * 60_000;

/**
 * Failed sign-ins allowed per 15 minutes. One client guessing one username is
 * stopped after 10; the username itself is locked everywhere only after 100
 * (many clients at once), so one attacker cannot lock the real admin out.
 */
export const LOGIN_LIMITS = { perClientAndUser: 10, perUser: 100, perClient: 30 } as const;

export class AdminAuth {
  readonly #byPair = new RateLimiter({
    maxFailures: LOGIN_LIMITS.perClientAndUser,
    windowMs: WINDOW_MS,
  });
  readonly #byUser = new RateLimiter({ maxFailures: LOGIN_LIMITS.perUser, windowMs: WINDOW_MS });
  readonly #byClient = new RateLimiter({
    maxFailures: LOGIN_LIMITS.perClient,
    windowMs: WINDOW_MS,
  });
  readonly #sessions = new Map<string, { row: Promise<AdminSessionRow | null>; readAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly jwtSecret: string,
    private readonly sessionHours: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Signs in, or throws 401 (bad credentials) or 429 (too many failures).
   * Both outcomes go to the audit log, the failure under the username tried.
   */
  async login(username: string, password: string, client: string): Promise<LoginResponse> {
    try {
      const session = await this.#login(username, password, client);
      await recordAudit(this.db, {
        actor: session.user.username,
        action: AUDIT_ACTIONS.signIn,
        target_type: "admin_user",
        target_id: session.user.id,
        details: { client },
      });
      return session;
    } catch (error) {
      if (error instanceof HttpError) {
        await recordAudit(this.db, {
          actor: username,
          action: AUDIT_ACTIONS.signInFailed,
          details: { client, reason: error.code },
        });
      }
      throw error;
    }
  }

  /**
   * Signs out: revokes the session behind `token` (on every instance within
   * SESSION_CACHE_MS) and records it in the audit log. A token that is not a
   * valid session is ignored.
   */
  async logout(token: string | undefined, client: string): Promise<void> {
    const claims = token ? await this.verifySession(token) : null;
    if (!claims) return;
    await revokeAdminSession(this.db, claims.sid);
    this.#sessions.delete(claims.sid);
    await recordAudit(this.db, {
      actor: claims.username,
      action: AUDIT_ACTIONS.signOut,
      target_type: "admin_user",
      target_id: claims.sub,
      details: { client },
    });
  }

  /**
   * Counts a sign-in refused before any check (its body broke the text rules,
   * e.g. a NUL in the username) as a failure of its client, then throws
   * `refusal`, or 429 once the client is over the limit.
   */
  refuseLogin(client: string, refusal: HttpError): never {
    const wait = countAttempt([[this.#byClient, client]]);
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `Too many failed logins, try again in ${wait} s`, {
        "Retry-After": String(wait),
      });
    }
    throw refusal;
  }

  /** The attempt is counted before the password is hashed, and forgiven if it succeeds. */
  async #login(username: string, password: string, client: string): Promise<LoginResponse> {
    const user = username.toLowerCase();
    const limits: [RateLimiter, string][] = [
      [this.#byPair, `${client} ${user}`],
      [this.#byUser, user],
      [this.#byClient, client],
    ];
    const wait = countAttempt(limits);
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `Too many failed logins, try again in ${wait} s`, {
        "Retry-After": String(wait),
      });
    }
    const row = await findAdminByUsername(this.db, username);
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok) throw new HttpError(401, "unauthorized", "Invalid username or password");
    this.#byPair.reset(limits[0][1]);
    this.#byUser.forgive(user);
    this.#byClient.forgive(client);

    const exp = Math.floor(this.now() / 1000) + this.sessionHours * 3600;
    const sid = await insertAdminSession(this.db, row.id, new Date(exp * 1000));
    await deleteOldAdminSessions(this.db);
    const claims: SessionClaims = { sub: row.id, username: row.username, role: row.role, exp, sid };
    const token = await sign({ ...claims }, this.jwtSecret, "HS256");
    return {
      token,
      expires_at: new Date(exp * 1000).toISOString(),
      user: { id: row.id, username: row.username, role: row.role },
    };
  }

  /**
   * Verifies a session token: its signature and expiry, and that its session
   * is neither revoked nor gone. The claims carry the user's current name and
   * role. Null when the token is missing, forged, expired or revoked.
   */
  async verifySession(token: string): Promise<SessionClaims | null> {
    const payload = await this.#decode(token);
    if (!payload) return null;
    const row = await this.#session(payload.sid);
    if (!row || row.revoked_at !== null || Date.parse(row.expires_at) <= this.now()) return null;
    return {
      sub: row.user_id,
      username: row.username,
      role: row.role,
      exp: payload.exp,
      sid: row.id,
    };
  }

  async #decode(token: string): Promise<{ sid: string; exp: number } | null> {
    let payload: Record<string, unknown>;
    try {
      payload = await verify(token, this.jwtSecret, "HS256");
    } catch {
      return null;
    }
    // Tokens from before sessions were kept have no sid: they sign in again.
    if (typeof payload.sid !== "string" || !UUID.test(payload.sid)) return null;
    if (typeof payload.exp !== "number") return null;
    return { sid: payload.sid, exp: payload.exp };
  }

  #session(sid: string): Promise<AdminSessionRow | null> {
    const now = this.now();
    const cached = this.#sessions.get(sid);
    if (cached && now - cached.readAt < SESSION_CACHE_MS) return cached.row;
    const row = findAdminSession(this.db, sid);
    if (this.#sessions.size >= SESSION_CACHE_LIMIT) this.#sessions.clear();
    this.#sessions.set(sid, { row, readAt: now });
    row.catch(() => this.#sessions.delete(sid)); // a failed read is not remembered
    return row;
  }
}

/**
 * Creates the first admin when there is none: with ADMIN_PASSWORD when given,
 * else with a generated password printed once.
 */
export async function ensureFirstAdmin(
  db: Db,
  username: string,
  password: string | null,
  logger: Logger,
): Promise<void> {
  if (await countAdmins(db) > 0) return;
  const chosen = password ?? randomSecret(12);
  const inserted = await insertAdmin(db, username, await hashPassword(chosen));
  if (inserted && password === null) {
    logger.warn("created the first admin with a generated password; it is shown only once", {
      username,
      password: chosen,
    });
  } else if (inserted) {
    logger.info("created the first admin", { username });
  }
}
