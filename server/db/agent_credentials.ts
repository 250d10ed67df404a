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
  const rows = await db.query(
    "SELECT id::text AS id, agent_token_hash, agent_version FROM computers WHERE agent_id = $1",
    [agentId],
  );
  return (rows[0] as unknown as AgentCredentialsRow | undefined) ?? null;
}
