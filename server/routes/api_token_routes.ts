/** `/api/admin/api-tokens`: create (the secret shown once), list and revoke API tokens. */
import { Hono } from "hono";
import { CreateApiTokenRequest } from "../../protocol/mod.ts";
import type { AppEnv } from "../env.ts";
import type { Logger } from "../log.ts";
import type { ApiTokens } from "../services/api_tokens.ts";
import { readJson } from "../validate.ts";

export interface ApiTokenRouteDeps {
  apiTokens: ApiTokens;
  logger: Logger;
}

export function apiTokenRoutes(deps: ApiTokenRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/", async (c) => {
    const request = await readJson(c, CreateApiTokenRequest);
    const actor = c.get("caller").actor;
    const created = await deps.apiTokens.create(request, actor);
    // The name and scopes only: the token itself is never logged.
    deps.logger.info("api token created", { id: created.id, name: created.name, by: actor });
    return c.json(created, 201);
  });

  app.get("/", async (c) => c.json(await deps.apiTokens.list()));

  app.delete("/:id", async (c) => {
    const revoked = await deps.apiTokens.revoke(c.req.param("id"));
    deps.logger.info("api token revoked", {
      id: revoked.id,
      name: revoked.name,
      by: c.get("caller").actor,
    });
    return c.body(null, 204);
  });

  return app;
}
