/** The fleet console's query and reply shapes (docs/api.md "Fleet"). */
import { z } from "zod";
import { SemverString } from "./schemas.ts";

/** `true` or `false` in a query string; anything else is a 400. */
const QueryBool = z.enum(["true", "false"]).transform((v) => v === "true");

export const COMPUTER_SORTS = ["hostname", "last_seen", "agent_version"] as const;
export type ComputerSort = (typeof COMPUTER_SORTS)[number];

/** The query of `GET /api/admin/computers`. Without `limit`, every matching computer. */
export const ComputerListQuery = z.object({
  search: z.string().max(255).optional(),
  status: z.enum(["online", "offline"]).optional(),
  version: SemverString.optional(),
  group: z.string().min(1).max(100).optional(),
  outdated: QueryBool.optional(),
  has_errors: QueryBool.optional(),
  updating: QueryBool.optional(),
  sort: z.enum(COMPUTER_SORTS).default("hostname"),
  order: z.enum(["asc", "desc"]).default("asc"),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  after: z.string().min(1).max(2000).optional(),
});
export type ComputerListQuery = z.infer<typeof ComputerListQuery>;

/** `GET /api/admin/fleet/summary`. */
export const FleetSummary = z.object({
  total: z.number(),
  online: z.number(),
  /** The highest stable version: what agents outside a rollout are offered. */
  stable_version: z.string().nullable(),
  /** Highest version first. */
  by_version: z.array(z.object({ version: z.string(), count: z.number(), online: z.number() })),
  /** Computers below the stable version. */
  outdated: z.number(),
  /** Computers whose last update attempt is still going. */
  updating: z.number(),
  /** Computers whose last update attempt failed. */
  failed: z.number(),
  with_errors: z.number(),
  /** The running, paused or halted rollout, as `GET /api/admin/rollouts/:id` gives it; or null. */
  active_rollout: z.record(z.string(), z.unknown()).nullable(),
});
export type FleetSummary = z.infer<typeof FleetSummary>;
