/** The fleet console's query and reply shapes (docs/api.md "Fleet"). */
import { z } from "zod";
import { ComputerError, ComputerSummary, SemverString } from "./schemas.ts";

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
  /** Computers per group, most first. */
  by_group: z.array(z.object({ group: z.string(), count: z.number() })),
  /** The running, paused or halted rollout, as `GET /api/admin/rollouts/:id` gives it; or null. */
  active_rollout: z.record(z.string(), z.unknown()).nullable(),
});
export type FleetSummary = z.infer<typeof FleetSummary>;

/** An item of `GET /api/admin/computers`: the computer and its newest update attempt's state. */
export const FleetComputer = ComputerSummary.extend({
  last_update_state: z.string().nullable(),
});
export type FleetComputer = z.infer<typeof FleetComputer>;

/** One error of `GET /api/admin/errors`: the plan's element and the computer it came from. */
export const FleetError = ComputerError.extend({
  computer_id: z.string(),
  hostname: z.string(),
});
export type FleetError = z.infer<typeof FleetError>;

/** The query of `GET /api/admin/errors`. */
export const ErrorListQuery = z.object({
  resolved: QueryBool.optional(),
  error_type: z.string().min(1).max(200).optional(),
  computer_id: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.string().regex(/^[1-9][0-9]{0,18}$/, "must be a cursor from X-Next-Cursor").optional(),
});
export type ErrorListQuery = z.infer<typeof ErrorListQuery>;

/** At most this many errors per bulk resolve. */
export const MAX_BULK_RESOLVE = 1000;

/** `POST /api/admin/errors/resolve`. */
export const BulkResolveRequest = z.object({
  errors: z.array(z.object({ computer_id: z.string().max(100), error_id: z.string().max(200) }))
    .min(1).max(MAX_BULK_RESOLVE),
  resolution_notes: z.string().max(10_000).nullable().optional(),
});
export type BulkResolveRequest = z.infer<typeof BulkResolveRequest>;

/**
 * The reply: how many were resolved now, and the ones skipped with why
 * (`not_found`: no such computer or error; `already_resolved`).
 */
export const BulkResolveResponse = z.object({
  resolved: z.number(),
  skipped: z.array(z.object({
    computer_id: z.string(),
    error_id: z.string(),
    reason: z.enum(["not_found", "already_resolved"]),
  })),
});
export type BulkResolveResponse = z.infer<typeof BulkResolveResponse>;

/** `GET /api/admin/errors/types`: open errors per type, most first. */
export const ErrorTypeCount = z.object({ error_type: z.string(), open: z.number() });
export type ErrorTypeCount = z.infer<typeof ErrorTypeCount>;
