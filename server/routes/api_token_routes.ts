/** `/api/admin/api-tokens`: create (the secret shown once), list and revoke API tokens. */
import { Hono } from "hono";
import { AUDIT_ACTIONS, CreateApiTokenRequest } from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import type { AppEnv } from "../env.ts";
import type { Logger } from "../log.ts";
import type { ApiTokens } from "../services/api_tokens.ts";
import { auditActor } from "../middleware/admin_auth.ts";
import { recordAudit } from "../services/audit.ts";
import { readJson } from "../validate.ts";

export interface ApiTokenRouteDeps {
  apiTokens: ApiTokens;
  db: Db;
  logger: Logger;
}

export function apiTokenRoutes(deps: ApiTokenRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/", async (c) => {
    const request = await readJson(c, CreateApiTokenRequest);
    const actor = auditActor(c);
    const created = await deps.apiTokens.create(request, actor);
    await recordAudit(deps.db, {
      actor,
      action: AUDIT_ACTIONS.apiTokenCreate,
      target_type: "api_token",
      target_id: created.id,
      details: { name: created.name, scopes: created.scopes, expires_at: created.expires_at },
    });
    // The name and scopes only: the token itself is never logged.
    deps.logger.info("api token created", { id: created.id, name: created.name, by: actor });
    return c.json(created, 201);
  });

  app.get("/", async (c) => c.json(await deps.apiTokens.list()));

  app.delete("/:id", async (c) => {
    const revoked = await deps.apiTokens.revoke(c.req.param("id"));
    const actor = auditActor(c);
    await recordAudit(deps.db, {
      actor,
      action: AUDIT_ACTIONS.apiTokenDelete,
      target_type: "api_token",
      target_id: revoked.id,
      details: { name: revoked.name },
    });
    deps.logger.info("api token revoked", { id: revoked.id, name: revoked.name, by: actor });
    return c.body(null, 204);
  });

  return app;
}
