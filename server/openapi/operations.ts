/**
 * The API's operations as the OpenAPI document shows them: sign-in, agents,
 * versions, computers, API tokens, the audit log, and the document itself.
 * Every route the app serves is here or in another `operations_*.ts` file;
 * server/openapi/contract_test.ts fails when one is missing.
 */
import { z } from "zod";
import {
  AGENT_VERSION_HEADER,
  AgentVersionRecord,
  ApiTokenRecord,
  AuditEntry,
  AuditQuery,
  ComputerError,
  ComputerSummary,
  CreateApiTokenRequest,
  CreatedApiToken,
  EnrollmentTokenReply,
  ErrorReport,
  HealthReply,
  LoginRequest,
  LoginResponse,
  NEXT_CURSOR_HEADER,
  RegisterRequest,
  RegisterResponse,
  ResolveErrorRequest,
  SemverString,
  SetStabilityRequest,
  UpdateInfo,
  UploadVersionForm,
} from "../../protocol/mod.ts";
import * as ex from "./examples.ts";
import { type HeaderDoc, jsonReply, okJson, type OperationDoc } from "./operation.ts";

const nextCursor: HeaderDoc = {
  name: NEXT_CURSOR_HEADER,
  description: "The `after` value of the next page; absent on the last page",
  schema: z.string(),
  example: "1001",
};

const agentVersionHeader: HeaderDoc = {
  name: AGENT_VERSION_HEADER,
  description: "The agent's running version; keeps the computer's `agent_version` current",
  schema: SemverString,
  example: "1.1.0",
};

const packageFileParam = {
  filename: {
    description: "The last part of a version's `download_url`",
    example: "hangar-agent-1.2.0.zip",
  },
};

/** A `GET` that upgrades to a WebSocket: 101, or 400 for a request that is no upgrade. */
function webSocket(
  doc: Pick<OperationDoc, "path" | "tag" | "summary" | "description" | "auth">,
): OperationDoc {
  return {
    method: "get",
    ...doc,
    replies: { 101: { description: "Switching protocols" } },
    errors: [[400, "bad_request", "Expected a WebSocket upgrade"]],
  };
}

const computerParam = { id: { description: "The computer's id", example: ex.COMPUTER_ID } };

export const CORE_OPERATIONS: OperationDoc[] = [
  {
    method: "get",
    path: "/api/health",
    tag: "Server",
    summary: "Health check",
    auth: "none",
    replies: okJson("The server is up", HealthReply, { status: "ok" }),
  },
  {
    method: "get",
    path: "/api/openapi.json",
    tag: "Server",
    summary: "This OpenAPI 3.1 document",
    auth: "none",
    replies: {
      200: jsonReply(
        "The document, generated from the `protocol/` schemas",
        z.record(z.string(), z.unknown()),
        { openapi: "3.1.0" },
      ),
    },
  },
  {
    method: "get",
    path: "/api/docs",
    tag: "Server",
    summary: "This document as a readable page",
    description: "Rendered by the server from the same document; it loads nothing from elsewhere.",
    auth: "none",
    replies: {
      200: {
        description: "An HTML page",
        schema: z.string(),
        contentType: "text/html",
        example: "<!doctype html>…",
      },
    },
  },
  {
    method: "get",
    path: "/api/docs.css",
    tag: "Server",
    summary: "The readable page's style sheet",
    auth: "none",
    replies: {
      200: { description: "CSS", schema: z.string(), contentType: "text/css", example: "body{…}" },
    },
  },
  {
    method: "post",
    path: "/api/auth/login",
    tag: "Sign-in",
    summary: "Sign in as an admin",
    description:
      "Answers the session token and sets it as the HttpOnly, SameSite=Strict `hangar_session` cookie.",
    auth: "none",
    body: { schema: LoginRequest, example: { username: "admin", password: "change-me-please" } },
    replies: {
      200: {
        description: "Signed in",
        schema: LoginResponse,
        example: {
          token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
          expires_at: "2026-11-26T22:00:00.000Z",
          user: { id: "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", username: "admin", role: "admin" },
        },
        headers: [{
          name: "Set-Cookie",
          description: "The session cookie",
          schema: z.string(),
          example: "hangar_session=eyJ…; Path=/; HttpOnly; SameSite=Strict",
        }],
      },
    },
    errors: [
      [401, "unauthorized", "Invalid username or password"],
      [
        403,
        "forbidden",
        'Cross-site request refused: Origin "https://evil.example" is not this server. ' +
        "Scripts authenticate with Authorization: Bearer",
      ],
      [429, "rate_limited", "Too many failed logins, try again in 540 s"],
    ],
  },
  {
    method: "post",
    path: "/api/auth/logout",
    tag: "Sign-in",
    summary: "Sign out",
    description: "Ends the session (bearer or cookie) and clears the cookie.",
    auth: "none",
    replies: { 204: { description: "Signed out" } },
  },
  {
    method: "post",
    path: "/api/agent/register",
    tag: "Agents",
    summary: "Enroll an agent",
    description: "The agent token in the reply is shown this once; the server keeps only its hash.",
    auth: "enrollment",
    body: {
      schema: RegisterRequest,
      example: { hostname: "LAB-PC-07", os: "Windows 11 Pro 23H2", agent_version: "1.1.0" },
    },
    replies: {
      201: {
        description: "Enrolled",
        schema: RegisterResponse,
        example: {
          agent_id: ex.AGENT_ID,
          agent_token: "NNaT4kq0VvJ8yRz2XcWm5bLd7pHs1gFe9uTo3iYa6nQ",
        },
      },
    },
    errors: [
      [401, "unauthorized", "Invalid or missing enrollment token"],
      [429, "rate_limited", "Too many wrong enrollment tokens, try again in 60 s"],
    ],
  },
  {
    method: "post",
    path: "/api/agent/report-error",
    tag: "Agents",
    summary: "Report an error",
    description: "The same `report_id` twice stores one error (agents retry from their buffer).",
    auth: "agent",
    headers: [agentVersionHeader],
    body: {
      schema: ErrorReport,
      example: {
        error_type: "UpdateChecksumMismatch",
        message: "Checksum mismatch for 1.2.0",
        timestamp: ex.AT,
        agent_version: "1.1.0",
        details: { expected_checksum: ex.CHECKSUM, actual_checksum: "0".repeat(64) },
        report_id: "3c1f0a9e-1d2b-4e5f-8a7b-6c5d4e3f2a1b",
      },
    },
    replies: { 204: { description: "Stored" } },
    errors: [
      [
        429,
        "rate_limited",
        "Too many error reports, try again in 2 s (Retry-After; AGENT_REPORTS_PER_MINUTE)",
      ],
      [
        503,
        "busy",
        "Too many error reports being stored, try again shortly (Retry-After; " +
        "REPORT_STORE_CONCURRENCY, REPORT_STORE_WAIT_MS)",
      ],
    ],
  },
  {
    method: "get",
    path: "/api/agent/check_update",
    tag: "Agents",
    summary: "Is there a newer version for this agent?",
    auth: "agent",
    headers: [agentVersionHeader],
    query: z.object({ current_version: SemverString.optional() }),
    queryExample: { current_version: "1.1.0" },
    replies: {
      200: jsonReply("The version to install", UpdateInfo, ex.updateInfoExample),
      204: { description: "Up to date, or nothing is offered to this computer" },
    },
  },
  {
    method: "get",
    path: "/api/agent/agent-packages/:filename",
    tag: "Agents",
    summary: "Download a package",
    description:
      "Streams the zip with `ETag` and `Range` support (206), so an interrupted download resumes.",
    auth: "agent",
    params: packageFileParam,
    headers: [
      {
        name: "Range",
        description: "The bytes still missing",
        schema: z.string(),
        example: "bytes=1048576-",
      },
      {
        name: "If-Range",
        description: "The ETag the download started with",
        schema: z.string(),
        example: `"${ex.CHECKSUM}"`,
      },
      {
        name: "If-None-Match",
        description: "An ETag the agent has",
        schema: z.string(),
        example: `"${ex.CHECKSUM}"`,
      },
    ],
    replies: {
      200: {
        description: "The whole package",
        schema: z.string(),
        contentType: "application/zip",
        example: "(binary)",
        headers: [
          {
            name: "ETag",
            description: '`"<checksum_sha256>"`',
            schema: z.string(),
            example: `"${ex.CHECKSUM}"`,
          },
          {
            name: "Content-Length",
            description: "Bytes in this reply",
            schema: z.string(),
            example: "48213377",
          },
        ],
      },
      206: {
        description: "The requested range",
        schema: z.string(),
        contentType: "application/zip",
        example: "(binary)",
        headers: [{
          name: "Content-Range",
          description: "Which bytes these are",
          schema: z.string(),
          example: "bytes 1048576-48213376/48213377",
        }],
      },
      304: { description: "The agent has this file already (If-None-Match)" },
    },
    errors: [
      [404, "not_found", "No such package"],
      [416, "range_not_satisfiable", "Range is outside the 48213377 bytes"],
      [503, "busy", "Too many downloads at once, try again later"],
    ],
  },
  {
    method: "head",
    path: "/api/agent/agent-packages/:filename",
    tag: "Agents",
    summary: "A package's size and ETag, without the body",
    auth: "agent",
    params: packageFileParam,
    replies: { 200: { description: "The headers a GET would send" } },
    errors: [[404, "not_found", "No such package"]],
  },
  webSocket({
    path: "/api/agent/ws",
    tag: "Agents",
    summary: "The agent's WebSocket",
    description:
      "Upgrades to a WebSocket. Messages are JSON `{event, payload}`; the server sends " +
      "`agent:new_version_available` `{new_stable_version}` (see docs/api.md).",
    auth: "agent",
  }),
  webSocket({
    path: "/api/admin/ws",
    tag: "Admin page",
    summary: "The admin page's live WebSocket",
    description: "Sends `admin:*` events when versions, computers, rollouts or errors change.",
    auth: "admin",
  }),
  {
    method: "get",
    path: "/api/admin/enrollment-token",
    tag: "Computers",
    summary: "The enrollment token agents enroll with",
    auth: "admin",
    replies: okJson("The token", EnrollmentTokenReply, { enrollment_token: "try-hangar-token" }),
  },
  {
    method: "post",
    path: "/api/admin/agents/versions",
    tag: "Versions",
    summary: "Upload a package as a new version",
    description:
      "Multipart, streamed to disk while hashed; a refused upload leaves nothing behind.",
    auth: "admin",
    body: {
      schema: UploadVersionForm,
      contentType: "multipart/form-data",
      example: { version: "1.2.0", notes: "Faster downloads" },
      exampleSchema: UploadVersionForm.omit({ file: true }),
    },
    replies: {
      201: jsonReply("The new version", AgentVersionRecord, ex.versionExample),
    },
    errors: [
      [400, "bad_request", 'manifest.json says version "1.2.1", the upload says "1.2.0"'],
      [400, "validation_failed", "version: must be a semantic version"],
      [409, "conflict", 'Version "1.2.0" already exists'],
      [413, "payload_too_large", "The package is over PACKAGE_MAX_BYTES (1073741824 bytes)"],
    ],
  },
  {
    method: "get",
    path: "/api/admin/agents/versions",
    tag: "Versions",
    summary: "List versions, highest semver first",
    auth: "admin",
    replies: okJson("The versions", AgentVersionRecord.array(), [ex.versionExample]),
  },
  {
    method: "put",
    path: "/api/admin/agents/versions/:versionId",
    tag: "Versions",
    summary: "Set a version's stable flag",
    description: "Marking stable tells connected agents at once; unmarking pulls a bad release.",
    auth: "admin",
    params: { versionId: { description: "The version's id", example: ex.VERSION_ID } },
    body: { schema: SetStabilityRequest, example: { is_stable: true } },
    replies: okJson("The version", AgentVersionRecord, { ...ex.versionExample, is_stable: true }),
    errors: [[404, "not_found", `Version "${ex.VERSION_ID}" not found`]],
  },
  {
    method: "get",
    path: "/api/admin/computers/:id",
    tag: "Computers",
    summary: "One computer",
    auth: "admin",
    params: computerParam,
    replies: okJson("The computer", ComputerSummary, ex.computerExample),
    errors: [[404, "not_found", `Computer "${ex.COMPUTER_ID}" not found`]],
  },
  {
    method: "get",
    path: "/api/admin/computers/:id/errors",
    tag: "Computers",
    summary: "A computer's errors, newest first",
    auth: "admin",
    params: computerParam,
    replies: okJson("The errors", ComputerError.array(), [ex.computerErrorExample]),
    errors: [[404, "not_found", `Computer "${ex.COMPUTER_ID}" not found`]],
  },
  {
    method: "post",
    path: "/api/admin/computers/:id/errors/:errorId/resolve",
    tag: "Computers",
    summary: "Resolve one error",
    description: "Records who resolved it (`resolved_by`).",
    auth: "admin",
    params: {
      ...computerParam,
      errorId: { description: "The error's id", example: ex.ERROR_ID },
    },
    body: { schema: ResolveErrorRequest, example: { resolution_notes: "Re-uploaded the package" } },
    replies: okJson("The resolved error", ComputerError, ex.resolvedErrorExample),
    errors: [
      [404, "not_found", `Error "${ex.ERROR_ID}" not found`],
      [409, "conflict", "The error is resolved already"],
    ],
  },
  {
    method: "post",
    path: "/api/admin/api-tokens",
    tag: "API tokens",
    summary: "Create an API token",
    description: "The token is in this reply only; the server keeps a hash.",
    auth: "admin",
    body: {
      schema: CreateApiTokenRequest,
      example: { name: "ci-release", scopes: ["versions:write"], expires_in_days: 90 },
    },
    replies: {
      201: jsonReply("The new token", CreatedApiToken, ex.createdTokenExample),
    },
    errors: [[409, "conflict", 'A token named "ci-release" exists already']],
  },
  {
    method: "get",
    path: "/api/admin/api-tokens",
    tag: "API tokens",
    summary: "List API tokens (never their secrets)",
    auth: "admin",
    replies: okJson("The live tokens, newest first", ApiTokenRecord.array(), [ex.tokenExample]),
  },
  {
    method: "delete",
    path: "/api/admin/api-tokens/:id",
    tag: "API tokens",
    summary: "Revoke an API token",
    description: "Refused from the next request on, on every instance.",
    auth: "admin",
    params: { id: { description: "The token's id", example: ex.TOKEN_ID } },
    replies: { 204: { description: "Revoked" } },
    errors: [[404, "not_found", `API token "${ex.TOKEN_ID}" not found`]],
  },
  {
    method: "get",
    path: "/api/admin/audit",
    tag: "Audit log",
    summary: "The audit log, newest first",
    auth: "admin",
    query: AuditQuery,
    queryExample: { limit: 50, action: "version.upload" },
    replies: {
      200: {
        description: "One page of entries",
        schema: AuditEntry.array(),
        example: [ex.auditExample],
        headers: [nextCursor],
      },
    },
  },
];

export { nextCursor };
