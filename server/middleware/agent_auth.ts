/**
 * Agent authentication from `agent-id`/`agent-token` (or `X-Agent-Id`/`X-Agent-Token`,
 * the spelling the plan's agent uses). Sets `computerId` and `agentId`.
 */
import type { Context, MiddlewareHandler } from "hono";
import {
  AGENT_ID_HEADER,
  AGENT_ID_HEADER_ALT,
  AGENT_TOKEN_HEADER,
  AGENT_TOKEN_HEADER_ALT,
  AGENT_VERSION_HEADER,
} from "../../protocol/mod.ts";
import { isValidVersion } from "../../package/version.ts";
import type { AppEnv } from "../env.ts";
import { headerLineBytes } from "./header_limits.ts";
import type { AgentAuth, AgentIdentity } from "../services/agent_auth.ts";

/** Versions already checked: a fleet sends a handful of distinct values on every request. */
const validVersions = new Set<string>();

function isKnownGoodVersion(version: string): boolean {
  if (validVersions.has(version)) return true;
  if (!isValidVersion(version)) return false;
  if (validVersions.size >= 1000) validVersions.clear();
  validVersions.add(version);
  return true;
}

/** An agent's credentials as its request headers carry them (either spelling of each name). */
export interface AgentCredentials {
  id: string | undefined;
  token: string | undefined;
  /** The `x-agent-version` header when it is a valid version, else null. */
  version: string | null;
}

/**
 * The credentials, and the bytes the headers count against MAX_HEADER_BYTES, in one pass
 * over the headers (the check_update fast path needs both; `Headers.get` would walk them
 * once per name). Iterated names are lowercase and repeated ones joined, as `get` gives.
 */
export function scanAgentHeaders(headers: Headers): AgentCredentials & { bytes: number } {
  let bytes = 0;
  let id: string | undefined, idAlt: string | undefined;
  let token: string | undefined, tokenAlt: string | undefined;
  let version: string | null = null;
  // forEach, not for-of: Deno's header iterator costs ~2 µs for four headers, forEach ~0.3.
  headers.forEach((value, name) => {
    bytes += headerLineBytes(name, value);
    if (name === AGENT_ID_HEADER) id = value;
    else if (name === AGENT_ID_HEADER_ALT) idAlt = value;
    else if (name === AGENT_TOKEN_HEADER) token = value;
    else if (name === AGENT_TOKEN_HEADER_ALT) tokenAlt = value;
    else if (name === AGENT_VERSION_HEADER) version = value;
  });
  return {
    id: id ?? idAlt,
    token: token ?? tokenAlt,
    version: version && isKnownGoodVersion(version) ? version : null,
    bytes,
  };
}

/** Authenticates the agent behind a request; throws 401 when it cannot. */
export function authenticateAgent(auth: AgentAuth, c: Context): Promise<AgentIdentity> {
  const { id, token, version } = scanAgentHeaders(c.req.raw.headers);
  return auth.authenticate(id, token, version);
}

export function requireAgent(auth: AgentAuth): MiddlewareHandler<AppEnv> {
  return async function agentAuth(c, next) {
    const identity = await authenticateAgent(auth, c);
    c.set("computerId", identity.computerId);
    c.set("agentId", identity.agentId);
    await next();
  };
}
