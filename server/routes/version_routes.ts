/** `/api/admin/agents/versions`: upload a package, list versions, set the stable flag. */
import { Hono } from "hono";
import { AUDIT_ACTIONS, SetStabilityRequest } from "../../protocol/mod.ts";
import type { TrustedKey } from "../../package/signature.ts";
import type { Db } from "../db/db.ts";
import type { AppEnv } from "../env.ts";
import type { Logger } from "../log.ts";
import type { AgentVersions } from "../services/agent_versions.ts";
import { auditActor } from "../middleware/admin_auth.ts";
import { recordAudit } from "../services/audit.ts";
import { receivePackageUpload } from "../services/package_upload.ts";
import type { PackageStore } from "../storage/package_store.ts";
import { readJson } from "../validate.ts";

export interface VersionRouteDeps {
  db: Db;
  versions: AgentVersions;
  packages: PackageStore;
  logger: Logger;
  config: { packageMaxBytes: number; trustedKeyList: readonly TrustedKey[] };
}

export function versionRoutes(deps: VersionRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/", async (c) => {
    const record = await receivePackageUpload({
      body: c.req.raw.body,
      contentType: c.req.header("content-type"),
      contentLength: c.req.header("content-length"),
    }, {
      store: deps.packages,
      versions: deps.versions,
      logger: deps.logger,
      maxBytes: deps.config.packageMaxBytes,
      trustedKeys: deps.config.trustedKeyList,
    });
    await recordAudit(deps.db, {
      actor: auditActor(c),
      action: AUDIT_ACTIONS.versionUpload,
      target_type: "version",
      target_id: record.id,
      details: {
        version: record.version,
        file_size: record.file_size,
        signed_by: record.signed_by,
      },
    });
    return c.json(record, 201);
  });

  app.get("/", async (c) => c.json(await deps.versions.list()));

  app.put("/:versionId", async (c) => {
    const { is_stable } = await readJson(c, SetStabilityRequest);
    const record = await deps.versions.setStable(c.req.param("versionId"), is_stable);
    deps.logger.info("agent version stable flag set", { version: record.version, is_stable });
    await recordAudit(deps.db, {
      actor: auditActor(c),
      action: AUDIT_ACTIONS.versionStable,
      target_type: "version",
      target_id: record.id,
      details: { version: record.version, is_stable },
    });
    return c.json(record);
  });

  return app;
}
