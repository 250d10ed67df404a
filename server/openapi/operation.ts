/**
 * How one API operation is described for the OpenAPI document: its schemas
 * come from `protocol/` (zod), its examples are checked against those schemas
 * by the contract test (server/openapi/contract_test.ts).
 */
import type { z } from "zod";
import type { ApiErrorCode } from "../../protocol/mod.ts";

export type Method = "get" | "head" | "post" | "put" | "patch" | "delete";

/** Who may call: nobody in particular, an admin (session or API token), an agent, an enrolling agent. */
export type Auth = "none" | "admin" | "agent" | "enrollment";

export interface HeaderDoc {
  name: string;
  description: string;
  required?: boolean;
  schema: z.ZodType;
  example: unknown;
}

export interface BodyDoc {
  schema: z.ZodType;
  example: unknown;
  /** Default `application/json`. */
  contentType?: string;
  description?: string;
  /** What the example is checked against when not `schema` (a multipart example without its file). */
  exampleSchema?: z.ZodType;
}

export interface ReplyDoc {
  description: string;
  /** Absent: the reply has no body (204, 304, a redirect, a WebSocket upgrade). */
  schema?: z.ZodType;
  example?: unknown;
  /** Default `application/json` when there is a schema. */
  contentType?: string;
  headers?: HeaderDoc[];
}

/** One documented error reply: the status, the code and an example message. */
export type ErrorDoc = [status: number, code: ApiErrorCode, message: string];

export interface OperationDoc {
  method: Method;
  /** Hono-style path, e.g. `/api/admin/computers/:id`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  /** Path parameters: name → description and example. */
  params?: Record<string, { description: string; example: string; enum?: readonly string[] }>;
  /** A zod object whose properties are the query parameters. */
  query?: z.ZodObject;
  /** An example query for the `query` schema. */
  queryExample?: Record<string, unknown>;
  headers?: HeaderDoc[];
  body?: BodyDoc;
  /** Success replies by status. */
  replies: Record<number, ReplyDoc>;
  /** Errors beyond those every operation of its kind can answer (added by the builder). */
  errors?: ErrorDoc[];
}

/** A reply with a JSON body: what it is, its schema, and an example of it. */
export function jsonReply(description: string, schema: z.ZodType, example: unknown): ReplyDoc {
  return { description, schema, example };
}

/** The replies of an operation whose only success is a 200 with a JSON body. */
export function okJson(description: string, schema: z.ZodType, example: unknown) {
  return { 200: jsonReply(description, schema, example) };
}
