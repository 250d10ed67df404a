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

/** Authenticates the agent behind a request; throws 401 when it cannot. */
export function authenticateAgent(auth: AgentAuth, c: Context): Promise<AgentIdentity> {
  const id = c.req.header(AGENT_ID_HEADER) ?? c.req.header(AGENT_ID_HEADER_ALT);
  const token = c.req.header(AGENT_TOKEN_HEADER) ?? c.req.header(AGENT_TOKEN_HEADER_ALT);
  const version = c.req.header(AGENT_VERSION_HEADER) ?? null;
  return auth.authenticate(id, token, version && isKnownGoodVersion(version) ? version : null);
}

export function requireAgent(auth: AgentAuth): MiddlewareHandler<AppEnv> {
  return async function agentAuth(c, next) {
    const identity = await authenticateAgent(auth, c);
    c.set("computerId", identity.computerId);
    c.set("agentId", identity.agentId);
    await next();
  };
}
