/** `/api/admin`: the fleet console's computer list and summary. */
import { Hono } from "hono";
import {
  ComputerListQuery,
  NEXT_CURSOR_HEADER,
  TOTAL_COUNT_ESTIMATED_HEADER,
  TOTAL_COUNT_HEADER,
} from "../../protocol/mod.ts";
import type { AppEnv } from "../env.ts";
import { type FleetDeps, listFleetComputers, summarizeFleet } from "../services/fleet.ts";
import { parseWith } from "../validate.ts";

export function fleetRoutes(deps: FleetDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/computers", async (c) => {
    const query = parseWith(ComputerListQuery, c.req.query());
    const page = await listFleetComputers(deps, query);
    c.header(TOTAL_COUNT_HEADER, String(page.total));
    if (page.totalEstimated) c.header(TOTAL_COUNT_ESTIMATED_HEADER, "true");
    if (page.nextCursor) c.header(NEXT_CURSOR_HEADER, page.nextCursor);
    return c.json(page.computers);
  });

  app.get("/fleet/summary", async (c) => c.json(await summarizeFleet(deps)));

  return app;
}
