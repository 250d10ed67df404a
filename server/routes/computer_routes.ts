/**
 * `/api/admin`: a computer's settings (group, pin, pause, download limit), its
 * deletion, its update attempts, and the enrollment token's rotation.
 */
import { Hono } from "hono";
import { AUDIT_ACTIONS, ComputerPatch } from "../../protocol/mod.ts";
import type { AppEnv } from "../env.ts";
import type { Db } from "../db/db.ts";
import type { ComputerAdmin } from "../services/computer_admin.ts";
import type { UpdateAttempts } from "../services/update_attempts.ts";
import { auditActor } from "../middleware/admin_auth.ts";
import { recordAudit } from "../services/audit.ts";
import { readJson } from "../validate.ts";

export interface ComputerRouteDeps {
  computerAdmin: ComputerAdmin;
  attempts: UpdateAttempts;
  db: Db;
}

export function computerRoutes(deps: ComputerRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.patch("/computers/:id", async (c) => {
    const patch = await readJson(c, ComputerPatch);
    const computer = await deps.computerAdmin.update(c.req.param("id"), patch);
    await recordAudit(deps.db, {
      actor: auditActor(c),
      action: AUDIT_ACTIONS.computerUpdate,
      target_type: "computer",
      target_id: computer.id,
      details: { hostname: computer.hostname, ...patch },
    });
    return c.json(computer);
  });

  app.delete("/computers/:id", async (c) => {
    const id = c.req.param("id");
    const removed = await deps.computerAdmin.remove(id);
    await recordAudit(deps.db, {
      actor: auditActor(c),
      action: AUDIT_ACTIONS.computerDelete,
      target_type: "computer",
      target_id: id,
      details: removed,
    });
    return c.body(null, 204);
  });

  app.get("/computers/:id/updates", async (c) => {
    return c.json(await deps.attempts.list(c.req.param("id")));
  });

  app.post("/enrollment-token/rotate", async (c) => {
    const token = await deps.computerAdmin.rotateEnrollmentToken();
    await recordAudit(deps.db, {
      actor: auditActor(c),
      action: AUDIT_ACTIONS.enrollmentTokenRotate,
    });
    return c.json({ enrollment_token: token });
  });

  return app;
}
