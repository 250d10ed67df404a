/** `/api/admin/audit`: the append-only audit log, newest first, paged. Read-only by design. */
import { Hono } from "hono";
import { AuditQuery, NEXT_CURSOR_HEADER } from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import type { AppEnv } from "../env.ts";
import { listAudit } from "../services/audit.ts";
import { parseWith } from "../validate.ts";

export function auditRoutes(deps: { db: Db }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/", async (c) => {
    const query = parseWith(AuditQuery, c.req.query());
    const { entries, nextCursor } = await listAudit(deps.db, query);
    if (nextCursor) c.header(NEXT_CURSOR_HEADER, nextCursor);
    return c.json(entries);
  });

  return app;
}
