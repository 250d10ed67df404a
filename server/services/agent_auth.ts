/**
 * Agent enrollment and authentication. Agent tokens are 256-bit random values,
 * so a SHA-256 hash is enough to store them; comparisons are constant-time.
 * Verified credentials are cached (the hash, not the token) so an agent's
 * requests do not hit the database each time, and `last_seen_at` is written at
 * most once a minute per computer.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RegisterRequest, RegisterResponse } from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import { findComputerByAgentId, insertComputer, touchComputer } from "../db/computers.ts";
import { HttpError } from "../errors.ts";
import { randomSecret } from "./passwords.ts";

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

  constructor(
    private readonly db: Db,
    private enrollmentToken: string,
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

  /** Enrolls a new agent; the token in the reply is never stored. */
  async register(
    enrollmentToken: string | undefined,
    input: RegisterRequest,
  ): Promise<RegisterResponse> {
    if (!enrollmentToken || !sameSecret(enrollmentToken, this.enrollmentToken)) {
      throw new HttpError(401, "unauthorized", "Invalid or missing enrollment token");
    }
    const agentId = crypto.randomUUID();
    const agentToken = randomSecret(32);
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
    let cached = this.#cache.get(agentId);
    if (!cached) {
      const row = await findComputerByAgentId(this.db, agentId);
      if (!row) {
        sha256(token); // same work as a known agent, so timing does not reveal ids
        throw new HttpError(401, "unauthorized", "Invalid agent credentials");
      }
      cached = {
        computerId: row.id,
        tokenHash: Buffer.from(row.agent_token_hash, "hex"),
        verifiedToken: null,
        lastTouch: 0,
        version: row.agent_version,
      };
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(agentId, cached);
    }
    if (cached.verifiedToken === null || !sameString(token, cached.verifiedToken)) {
      if (!timingSafeEqual(sha256(token), cached.tokenHash)) {
        throw new HttpError(401, "unauthorized", "Invalid agent credentials");
      }
      cached.verifiedToken = token;
    }
    const now = this.now();
    const versionChanged = version !== null && version !== cached.version;
    if (versionChanged || now - cached.lastTouch >= TOUCH_INTERVAL_MS) {
      cached.lastTouch = now;
      if (version !== null) cached.version = version;
      await touchComputer(this.db, cached.computerId, version);
    }
    return { computerId: cached.computerId, agentId };
  }
}
