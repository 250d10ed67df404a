/** Hono environment types: what middleware puts on the context. */
import type { SessionClaims } from "./services/admin_auth.ts";
import type { ApiTokenIdentity } from "./services/api_tokens.ts";

/**
 * Who made an admin request. `actor` is the name the audit log records: the
 * admin's username, or `token:NAME` for an API token.
 */
export type Caller =
  | { kind: "session"; actor: string; claims: SessionClaims }
  | { kind: "api_token"; actor: string; token: ApiTokenIdentity };

export interface AppEnv {
  Variables: {
    /** Set by the agent middleware: the authenticated computer's row id. */
    computerId: string;
    /** Set by the agent middleware: the authenticated agent's id. */
    agentId: string;
    /** Set by the admin middleware: the signed-in admin. */
    admin: SessionClaims;
    /** Set by the admin middleware: the session or API token behind the request. */
    caller: Caller;
  };
}
