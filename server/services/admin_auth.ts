/** Admin sign-in: first-admin bootstrap, password checks, rate limits and JWTs. */
import { sign, verify } from "hono/jwt";
import { AUDIT_ACTIONS, type LoginResponse } from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import { countAdmins, findAdminByUsername, insertAdmin } from "../db/admin_users.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { recordAudit } from "./audit.ts";
import { hashPassword, randomSecret, verifyPassword } from "./passwords.ts";
import { RateLimiter } from "./rate_limiter.ts";

export interface SessionClaims {
  sub: string;
  username: string;
  role: string;
  exp: number;
}

/** A hash to compare against when the username is unknown, so timing does not tell. */
const DUMMY_HASH =
  "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

export class AdminAuth {
  readonly #byUser = new RateLimiter({ maxFailures: 10, windowMs: 15 * 60_000 });
  readonly #byClient = new RateLimiter({ maxFailures: 30, windowMs: 15 * 60_000 });

  constructor(
    private readonly db: Db,
    private readonly jwtSecret: string,
    private readonly sessionHours: number,
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

  /** Records a sign-out in the audit log when `token` is a valid session. */
  async logout(token: string | undefined, client: string): Promise<void> {
    const claims = token ? await this.verifySession(token) : null;
    if (!claims) return;
    await recordAudit(this.db, {
      actor: claims.username,
      action: AUDIT_ACTIONS.signOut,
      target_type: "admin_user",
      target_id: claims.sub,
      details: { client },
    });
  }

  async #login(username: string, password: string, client: string): Promise<LoginResponse> {
    const userKey = `u:${username.toLowerCase()}`;
    const clientKey = `c:${client}`;
    const wait = Math.max(this.#byUser.retryAfter(userKey), this.#byClient.retryAfter(clientKey));
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `Too many failed logins, try again in ${wait} s`, {
        "Retry-After": String(wait),
      });
    }
    const user = await findAdminByUsername(this.db, username);
    const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
    if (!user || !ok) {
      this.#byUser.recordFailure(userKey);
      this.#byClient.recordFailure(clientKey);
      throw new HttpError(401, "unauthorized", "Invalid username or password");
    }
    this.#byUser.reset(userKey);
    const exp = Math.floor(Date.now() / 1000) + this.sessionHours * 3600;
    const claims: SessionClaims = { sub: user.id, username: user.username, role: user.role, exp };
    const token = await sign({ ...claims }, this.jwtSecret, "HS256");
    return {
      token,
      expires_at: new Date(exp * 1000).toISOString(),
      user: { id: user.id, username: user.username, role: user.role },
    };
  }

  /**
   * Counts a sign-in refused before any check (its body broke the text rules,
   * e.g. a NUL in the username) as a failure of its client, then throws
   * `refusal`, or 429 once the client is over the limit.
   */
  refuseLogin(client: string, refusal: HttpError): never {
    const clientKey = `c:${client}`;
    const wait = this.#byClient.retryAfter(clientKey);
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `Too many failed logins, try again in ${wait} s`, {
        "Retry-After": String(wait),
      });
    }
    this.#byClient.recordFailure(clientKey);
    throw refusal;
  }

  /** Verifies a session token; null when it is missing, forged or expired. */
  async verifySession(token: string): Promise<SessionClaims | null> {
    try {
      return await verify(token, this.jwtSecret, "HS256") as unknown as SessionClaims;
    } catch {
      return null;
    }
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
