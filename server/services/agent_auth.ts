/**
 * Agent enrollment and authentication. Agent tokens are 256-bit random values,
 * so a SHA-256 hash is enough to store them; comparisons are constant-time.
 * Verified credentials are cached (the hash, not the token) so an agent's
 * requests do not hit the database each time, and keep working while the
 * database is down; `last_seen_at` is queued (LastSeenWriter) at most once a
 * minute per computer. Unknown agent ids are cached too, and checked against
 * a dummy hash the same way, so timing does not tell which ids exist.
 * Wrong enrollment tokens are rate-limited per client.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RegisterRequest, RegisterResponse } from "../../protocol/mod.ts";
import { type AgentCredentialsRow, findAgentCredentialsMany } from "../db/agent_credentials.ts";
import type { Db } from "../db/db.ts";
import { insertComputer, touchComputer } from "../db/computers.ts";
import { HttpError } from "../errors.ts";
import { BatchedReads } from "./batched_reads.ts";
import { boundedWait, DeadlineExceeded } from "./bounded_wait.ts";
import type { LastSeenWriter } from "./last_seen_writer.ts";
import { randomSecret } from "./passwords.ts";
import { countAttempt, RateLimiter } from "./rate_limiter.ts";

export interface AgentIdentity {
  computerId: string;
  agentId: string;
}

interface CachedAgent {
  computerId: string;
  tokenHash: Buffer;
  /**
   * The token once it has matched `tokenHash`. Hashing costs more than the
   * rest of a check_update (node:crypto's SHA-256 plus timingSafeEqual take
   * ~10 µs under Deno, measured by tools/bench), so later requests compare
   * with this instead. It lives only in this process's memory, which sees
   * every agent's token on every request anyway; the database keeps hashes.
   */
  verifiedToken: string | null;
  lastTouch: number;
  version: string;
}

const TOUCH_INTERVAL_MS = 60_000;
const CACHE_LIMIT = 200_000;
/** Unknown ids remembered (so they skip the database like known ones), and for how long. */
const UNKNOWN_LIMIT = 10_000;
const UNKNOWN_TTL_MS = 60_000;
/** Longest an agent request waits for the database before it is answered 503. */
export const AGENT_DB_WAIT_MS = 3_000;
/** Wrong enrollment tokens allowed per client per 15 minutes. */
export const ENROLL_FAILURES_PER_CLIENT = 20;

/** What an unknown id is checked against: no token hashes to it (random, never stored). */
const UNKNOWN: CachedAgent = {
  computerId: "",
  tokenHash: createHash("sha256").update(crypto.getRandomValues(new Uint8Array(32))).digest(),
  verifiedToken: null,
  lastTouch: 0,
  version: "",
};

/** A lookup that failed or timed out: the database is away, not the agent wrong. */
function unavailable(error: unknown): never {
  const why = error instanceof DeadlineExceeded ? "is not answering" : "cannot be reached";
  throw new HttpError(503, "unavailable", `The database ${why}, try again shortly`, {
    "Retry-After": "5",
  });
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** Constant-time for strings of one length (a token's length is no secret). */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export class AgentAuth {
  #cache = new Map<string, CachedAgent>();
  /** Unknown agent id → until when it is taken as unknown without asking the database. */
  #unknown = new Map<string, number>();
  /** Lookups sent or queued, so concurrent requests of one agent share one. */
  #lookups = new Map<string, Promise<CachedAgent>>();
  /**
   * First authentications (after a start, or a reconnect storm) read credentials in
   * batches, each statement bounded like every agent request's database wait.
   */
  readonly #credentials = new BatchedReads<AgentCredentialsRow>((ids) =>
    boundedWait(findAgentCredentialsMany(this.db, ids), AGENT_DB_WAIT_MS, "agent lookup")
  );
  readonly #enrollFailures = new RateLimiter({
    maxFailures: ENROLL_FAILURES_PER_CLIENT,
    windowMs: 15 * 60_000,
  });

  constructor(
    private readonly db: Db,
    private enrollmentToken: string,
    private readonly lastSeen: LastSeenWriter,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token that enrolls agents now. */
  get currentEnrollmentToken(): string {
    return this.enrollmentToken;
  }

  /** Replaces the enrollment token (rotated here or on another instance); the old one stops. */
  setEnrollmentToken(token: string): void {
    this.enrollmentToken = token;
  }

  /** Forgets an agent's cached credentials (its computer was deleted). */
  forget(agentId: string): void {
    this.#cache.delete(agentId);
  }

  /**
   * Enrolls a new agent; the token in the reply is never stored. `client` (the
   * caller's address) keys the limit on wrong enrollment tokens: 429 past it.
   */
  async register(
    enrollmentToken: string | undefined,
    input: RegisterRequest,
    client = "unknown",
  ): Promise<RegisterResponse> {
    const wait = countAttempt([[this.#enrollFailures, client]]);
    if (wait > 0) {
      throw new HttpError(
        429,
        "rate_limited",
        `Too many wrong enrollment tokens, try again in ${wait} s`,
        { "Retry-After": String(wait) },
      );
    }
    if (!enrollmentToken || !sameSecret(enrollmentToken, this.enrollmentToken)) {
      throw new HttpError(401, "unauthorized", "Invalid or missing enrollment token");
    }
    this.#enrollFailures.forgive(client);
    const agentId = crypto.randomUUID();
    const agentToken = randomSecret(32);
    this.#unknown.delete(agentId);
    await insertComputer(this.db, {
      agentId,
      tokenHash: sha256(agentToken).toString("hex"),
      hostname: input.hostname,
      os: input.os,
      agentVersion: input.agent_version,
      group: input.group,
    });
    return { agent_id: agentId, agent_token: agentToken };
  }

  /**
   * Checks an agent's credentials; throws 401 when they are missing or wrong.
   * `version` (the agent's `x-agent-version`) keeps the stored version current.
   */
  async authenticate(
    agentId: string | undefined,
    token: string | undefined,
    version: string | null,
  ): Promise<AgentIdentity> {
    if (!agentId || !token || agentId.length > 100 || token.length > 200) {
      throw new HttpError(401, "unauthorized", "Missing agent credentials (agent-id, agent-token)");
    }
    const cached = this.#cache.get(agentId) ?? this.#knownUnknown(agentId) ??
      await this.#lookUp(agentId);
    // Known or not, a wrong token takes this one path: hash it, compare, refuse.
    if (cached.verifiedToken === null || !sameString(token, cached.verifiedToken)) {
      if (!timingSafeEqual(sha256(token), cached.tokenHash)) {
        throw new HttpError(401, "unauthorized", "Invalid agent credentials");
      }
      cached.verifiedToken = token;
    }
    const versionChanged = version !== null && version !== cached.version;
    if (versionChanged) {
      // Written at once (rollouts read it), within a bounded wait; queued if the database is away.
      cached.lastTouch = this.now();
      cached.version = version;
      await boundedWait(
        touchComputer(this.db, cached.computerId, version),
        AGENT_DB_WAIT_MS,
        "touch",
      )
        .catch(() => this.lastSeen.seen(cached.computerId, version));
    } else {
      this.#touchIfDue(cached);
    }
    return { computerId: cached.computerId, agentId };
  }

  /**
   * `authenticate` from memory alone, without a promise, for an agent whose token
   * this process has already verified and whose version has not changed: its
   * identity, or undefined when only `authenticate` can decide (unknown or not yet
   * verified agent, a wrong token, a new version to write). Never refuses anyone.
   */
  authenticateNow(
    agentId: string | undefined,
    token: string | undefined,
    version: string | null,
  ): AgentIdentity | undefined {
    if (!agentId || !token) return undefined;
    const cached = this.#cache.get(agentId);
    if (cached?.verifiedToken == null || !sameString(token, cached.verifiedToken)) {
      return undefined;
    }
    if (version !== null && version !== cached.version) return undefined;
    this.#touchIfDue(cached);
    return { computerId: cached.computerId, agentId };
  }

  /** Queues the `last_seen_at` write at most once a minute per computer. */
  #touchIfDue(cached: CachedAgent): void {
    const now = this.now();
    if (now - cached.lastTouch >= TOUCH_INTERVAL_MS) {
      cached.lastTouch = now;
      this.lastSeen.seen(cached.computerId);
    }
  }

  #knownUnknown(agentId: string): CachedAgent | undefined {
    const until = this.#unknown.get(agentId);
    if (until === undefined) return undefined;
    if (until > this.now()) return UNKNOWN;
    this.#unknown.delete(agentId);
    return undefined;
  }

  /** Reads an agent's credentials into the cache (an unknown id caches as UNKNOWN). */
  #lookUp(agentId: string): Promise<CachedAgent> {
    let lookup = this.#lookups.get(agentId);
    if (!lookup) {
      lookup = this.#read(agentId).finally(() => this.#lookups.delete(agentId));
      this.#lookups.set(agentId, lookup);
    }
    return lookup;
  }

  /** Credential statements sent (tests and the bench count them). */
  get lookupStatements(): number {
    return this.#credentials.statements;
  }

  async #read(agentId: string): Promise<CachedAgent> {
    const row = await this.#credentials.read(agentId).catch(unavailable);
    if (!row) {
      if (this.#unknown.size >= UNKNOWN_LIMIT) this.#unknown.clear();
      this.#unknown.set(agentId, this.now() + UNKNOWN_TTL_MS);
      return UNKNOWN;
    }
    const cached: CachedAgent = {
      computerId: row.id,
      tokenHash: Buffer.from(row.agent_token_hash, "hex"),
      verifiedToken: null,
      lastTouch: 0,
      version: row.agent_version,
    };
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(agentId, cached);
    return cached;
  }
}
