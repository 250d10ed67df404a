/** `/api/admin/rollouts`: create, list, read, and pause/resume/advance/cancel a rollout. */
import { Hono } from "hono";
import { CreateRolloutRequest } from "../../protocol/mod.ts";
import type { AppEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import type { RolloutAction, Rollouts } from "../services/rollouts.ts";
import { auditActor } from "../middleware/admin_auth.ts";
import { readJson } from "../validate.ts";

const ACTIONS: readonly RolloutAction[] = ["pause", "resume", "advance", "cancel"];

export function rolloutRoutes(deps: { rollouts: Rollouts }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/", async (c) => {
    const body = await readJson(c, CreateRolloutRequest);
    return c.json(await deps.rollouts.create(body, auditActor(c)), 201);
  });

  app.get("/", async (c) => c.json(await deps.rollouts.list()));

  app.get("/:id", async (c) => c.json(await deps.rollouts.get(c.req.param("id"))));

  app.post("/:id/:action", async (c) => {
    const action = c.req.param("action") as RolloutAction;
    if (!ACTIONS.includes(action)) {
      throw new HttpError(
        404,
        "not_found",
        `No rollout action "${action.slice(0, 50)}" (use ${ACTIONS.join(", ")})`,
      );
    }
    return c.json(await deps.rollouts.act(c.req.param("id"), action, auditActor(c)));
  });

  return app;
}
