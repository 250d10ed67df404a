/** The fleet console's operations for the OpenAPI document: the filtered computer list and the summary. */
import {
  ComputerListQuery,
  FleetComputer,
  FleetSummary,
  TOTAL_COUNT_ESTIMATED_HEADER,
  TOTAL_COUNT_HEADER,
} from "../../protocol/mod.ts";
import { z } from "zod";
import * as ex from "./examples.ts";
import type { OperationDoc } from "./operation.ts";
import { nextCursor } from "./operations.ts";

export const FLEET_OPERATIONS: OperationDoc[] = [
  {
    method: "get",
    path: "/api/admin/computers",
    tag: "Computers",
    summary: "List computers, filtered, sorted and paged",
    description:
      "Without `limit`, every matching computer. `after` is the `X-Next-Cursor` of the page before.",
    auth: "admin",
    query: ComputerListQuery,
    queryExample: {
      outdated: "true",
      group: "lab",
      sort: "agent_version",
      order: "asc",
      limit: 100,
    },
    replies: {
      200: {
        description: "The computers",
        schema: FleetComputer.array(),
        example: [{ ...ex.computerExample, last_update_state: "succeeded" }],
        headers: [
          {
            name: TOTAL_COUNT_HEADER,
            description:
              "How many computers match, on every page: exact up to 1,000 matches or ~20,000 computers, else an estimate",
            schema: z.string().regex(/^\d+$/),
            example: "412",
          },
          {
            name: TOTAL_COUNT_ESTIMATED_HEADER,
            description:
              "`true` when X-Total-Count is an estimate (two significant figures); absent when it is exact",
            schema: z.literal("true"),
            example: "true",
          },
          nextCursor,
        ],
      },
    },
  },
  {
    method: "get",
    path: "/api/admin/fleet/summary",
    tag: "Computers",
    summary: "Counts across the fleet",
    auth: "admin",
    replies: {
      200: {
        description: "The summary",
        schema: FleetSummary,
        example: {
          total: 412,
          online: 398,
          stable_version: "1.2.0",
          by_version: [
            { version: "1.2.0", count: 380, online: 371 },
            { version: "1.1.0", count: 32, online: 27 },
          ],
          outdated: 32,
          updating: 4,
          failed: 1,
          with_errors: 3,
          by_group: [{ group: "default", count: 400 }, { group: "canary", count: 12 }],
          active_rollout: null,
        },
      },
    },
  },
];
