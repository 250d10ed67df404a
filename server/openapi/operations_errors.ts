/** The errors inbox for the OpenAPI document: errors across the fleet, counts by type, bulk resolve. */
import { z } from "zod";
import {
  BulkResolveRequest,
  BulkResolveResponse,
  ErrorListQuery,
  ErrorTypeCount,
  FleetError,
  TOTAL_COUNT_HEADER,
} from "../../protocol/mod.ts";
import * as ex from "./examples.ts";
import type { OperationDoc } from "./operation.ts";
import { nextCursor } from "./operations.ts";

export const ERROR_OPERATIONS: OperationDoc[] = [
  {
    method: "get",
    path: "/api/admin/errors",
    tag: "Errors",
    summary: "Errors across the fleet, newest first",
    description:
      "Each with the computer it came from. `after` is the `X-Next-Cursor` of the page before.",
    auth: "admin",
    query: ErrorListQuery,
    queryExample: { resolved: "false", error_type: "UpdateChecksumMismatch", limit: 50 },
    replies: {
      200: {
        description: "One page of errors",
        schema: FleetError.array(),
        example: [{
          ...ex.computerErrorExample,
          computer_id: ex.COMPUTER_ID,
          hostname: "LAB-PC-07",
        }],
        headers: [
          {
            name: TOTAL_COUNT_HEADER,
            description: "How many errors match, on every page",
            schema: z.string().regex(/^\d+$/),
            example: "40",
          },
          nextCursor,
        ],
      },
    },
  },
  {
    method: "get",
    path: "/api/admin/errors/types",
    tag: "Errors",
    summary: "Open errors per type, most first",
    auth: "admin",
    replies: {
      200: {
        description: "The counts",
        schema: ErrorTypeCount.array(),
        example: [{ error_type: "UpdateChecksumMismatch", open: 31 }, {
          error_type: "UpdateDownloadFailed",
          open: 9,
        }],
      },
    },
  },
  {
    method: "post",
    path: "/api/admin/errors/resolve",
    tag: "Errors",
    summary: "Resolve many errors with one note",
    description:
      "Unknown and already resolved errors are skipped and listed; the rest are resolved.",
    auth: "admin",
    body: {
      schema: BulkResolveRequest,
      example: {
        errors: [{ computer_id: ex.COMPUTER_ID, error_id: ex.ERROR_ID }],
        resolution_notes: "Proxy fixed",
      },
    },
    replies: {
      200: {
        description: "How many were resolved, and which were skipped",
        schema: BulkResolveResponse,
        example: {
          resolved: 39,
          skipped: [{
            computer_id: ex.COMPUTER_ID,
            error_id: "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
            reason: "already_resolved",
          }],
        },
      },
    },
  },
];
