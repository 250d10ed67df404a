/** `/api/admin`: computers and their errors, and the enrollment token. */
import { Hono } from "hono";
import { AUDIT_ACTIONS, ResolveErrorRequest } from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import type { AppEnv } from "../env.ts";
import { auditActor } from "../middleware/admin_auth.ts";
import { recordAudit } from "../services/audit.ts";
import { getComputer } from "../services/computers.ts";
import { listComputerErrors, resolveComputerError } from "../services/computer_errors.ts";
import { announceErrorsChanged } from "../services/fleet_errors.ts";
import { readJson } from "../validate.ts";
import type { AgentAuth } from "../services/agent_auth.ts";
import type { AgentHub } from "../ws/agent_hub.ts";
import type { Notifier } from "../ws/notifier.ts";

export interface AdminRouteDeps {
  db: Db;
  hub: AgentHub;
  notifier: Notifier;
  agentAuth: AgentAuth;
}

export function adminRoutes(deps: AdminRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/computers/:id", async (c) => {
    return c.json(await getComputer(deps, c.req.param("id")));
  });

  app.get("/computers/:id/errors", async (c) => {
    return c.json(await listComputerErrors(deps.db, c.req.param("id")));
  });

  app.post("/computers/:id/errors/:errorId/resolve", async (c) => {
    const { resolution_notes } = await readJson(c, ResolveErrorRequest, { emptyAs: {} });
    const resolved = await resolveComputerError(
      deps.db,
      c.req.param("id"),
      c.req.param("errorId"),
      resolution_notes ?? null,
      new Date(),
      auditActor(c),
    );
    await announceErrorsChanged(deps.notifier, c.req.param("id"));
    await recordAudit(deps.db, {
      actor: auditActor(c),
      action: AUDIT_ACTIONS.errorResolve,
      target_type: "computer",
      target_id: c.req.param("id"),
      details: { error_ids: [resolved.id], error_types: [resolved.error_type], resolution_notes },
    });
    return c.json(resolved);
  });

  app.get("/enrollment-token", (c) => {
    return c.json({ enrollment_token: deps.agentAuth.currentEnrollmentToken });
  });

  return app;
}
