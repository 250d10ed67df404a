/** Hono environment types: what middleware puts on the context. */
import type { SessionClaims } from "./services/admin_auth.ts";

export interface AppEnv {
  Variables: {
    /** Set by the agent middleware: the authenticated computer's row id. */
    computerId: string;
    /** Set by the agent middleware: the authenticated agent's id. */
    agentId: string;
    /** Set by the admin middleware: the signed-in admin. */
    admin: SessionClaims;
  };
}
