/**
 * `/api/admin`: a computer's settings (group, pin, pause, download limit), its
 * deletion, its update attempts, and the enrollment token's rotation.
 */
import { Hono } from "hono";
import { ComputerPatch } from "../../protocol/mod.ts";
import type { AppEnv } from "../env.ts";
import type { Logger } from "../log.ts";
import type { ComputerAdmin } from "../services/computer_admin.ts";
import type { UpdateAttempts } from "../services/update_attempts.ts";
import { readJson } from "../validate.ts";
import type { AgentHub } from "../ws/agent_hub.ts";
import { toComputerSummary } from "./admin_routes.ts";

export interface ComputerRouteDeps {
  computerAdmin: ComputerAdmin;
  attempts: UpdateAttempts;
  hub: AgentHub;
  logger: Logger;
}

export function computerRoutes(deps: ComputerRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.patch("/computers/:id", async (c) => {
    const patch = await readJson(c, ComputerPatch);
    const row = await deps.computerAdmin.update(c.req.param("id"), patch);
    deps.logger.info("computer settings changed", {
      computer_id: row.id,
      ...patch,
      actor: c.get("admin").username,
    });
    return c.json(toComputerSummary(row, deps.hub.isOnline(row.id)));
  });

  app.delete("/computers/:id", async (c) => {
    await deps.computerAdmin.remove(c.req.param("id"));
    deps.logger.info("computer deleted", {
      computer_id: c.req.param("id"),
      actor: c.get("admin").username,
    });
    return c.body(null, 204);
  });

  app.get("/computers/:id/updates", async (c) => {
    return c.json(await deps.attempts.list(c.req.param("id")));
  });

  app.post("/enrollment-token/rotate", async (c) => {
    const token = await deps.computerAdmin.rotateEnrollmentToken();
    deps.logger.info("enrollment token rotated", { actor: c.get("admin").username });
    return c.json({ enrollment_token: token });
  });

  return app;
}
