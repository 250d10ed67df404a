/** `/api/admin/errors`: the errors inbox across the fleet, and resolving many at once. */
import { Hono } from "hono";
import {
  BulkResolveRequest,
  ErrorListQuery,
  NEXT_CURSOR_HEADER,
  TOTAL_COUNT_HEADER,
} from "../../protocol/mod.ts";
import type { Db } from "../db/db.ts";
import type { AppEnv } from "../env.ts";
import { auditActor } from "../middleware/admin_auth.ts";
import {
  announceErrorsChanged,
  countOpenErrorTypes,
  listErrorsInbox,
  resolveErrorsInBulk,
} from "../services/fleet_errors.ts";
import { parseWith, readJson } from "../validate.ts";
import type { Notifier } from "../ws/notifier.ts";

export function errorRoutes(deps: { db: Db; notifier: Notifier }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/", async (c) => {
    const query = parseWith(ErrorListQuery, c.req.query());
    const { errors, total, nextCursor } = await listErrorsInbox(deps.db, query);
    c.header(TOTAL_COUNT_HEADER, String(total));
    if (nextCursor) c.header(NEXT_CURSOR_HEADER, nextCursor);
    return c.json(errors);
  });

  app.get("/types", async (c) => c.json(await countOpenErrorTypes(deps.db)));

  app.post("/resolve", async (c) => {
    const request = await readJson(c, BulkResolveRequest);
    const reply = await resolveErrorsInBulk(deps.db, request, auditActor(c));
    if (reply.resolved > 0) await announceErrorsChanged(deps.notifier, null);
    return c.json(reply);
  });

  return app;
}
