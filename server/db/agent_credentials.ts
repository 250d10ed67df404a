/** What authenticating an agent needs from its row, and nothing more (no error counts). */
import type { Queryable } from "./db.ts";

export interface AgentCredentialsRow {
  id: string;
  agent_token_hash: string;
  agent_version: string;
}

export async function findAgentCredentials(
  db: Queryable,
  agentId: string,
): Promise<AgentCredentialsRow | null> {
  return (await findAgentCredentialsMany(db, [agentId])).get(agentId) ?? null;
}

/**
 * The credentials of several agents in one statement (a reconnect storm's
 * first authentications, batched): agent id → row, ids without a row absent.
 */
export async function findAgentCredentialsMany(
  db: Queryable,
  agentIds: string[],
): Promise<Map<string, AgentCredentialsRow>> {
  const rows = await db.query(
    `SELECT agent_id, id::text AS id, agent_token_hash, agent_version
       FROM computers WHERE agent_id = ANY($1::text[])`,
    [agentIds],
  );
  const found = new Map<string, AgentCredentialsRow>();
  for (const row of rows) {
    const r = row as unknown as AgentCredentialsRow & { agent_id: string };
    found.set(r.agent_id, {
      id: r.id,
      agent_token_hash: r.agent_token_hash,
      agent_version: r.agent_version,
    });
  }
  return found;
}
