/**
 * Builds the OpenAPI 3.1 document from the operation catalogue and the zod
 * schemas in `protocol/` (zod's own JSON Schema output). A schema exported by
 * name from `protocol/mod.ts` becomes a component and is referenced; others
 * are inlined. Every operation gets the error replies of its kind (401/403
 * for admin routes, 400/413 for a JSON body, ...) besides its own.
 */
import { z } from "zod";
import * as protocol from "../../protocol/mod.ts";
import { ENROLLMENT_TOKEN_HEADER, SESSION_COOKIE } from "../../protocol/mod.ts";
import { requiredScopes } from "../middleware/route_scopes.ts";
import type { ErrorDoc, HeaderDoc, OperationDoc } from "./operation.ts";

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, Record<string, unknown>>>;
};

/** Hono's `/a/:id` as OpenAPI's `/a/{id}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]\w*)/g, "{$1}");
}

function protocolSchemaNames(): Map<z.ZodType, string> {
  const names = new Map<z.ZodType, string>();
  for (const [name, value] of Object.entries(protocol)) {
    if (value instanceof z.ZodType && /^[A-Z]/.test(name) && !names.has(value)) {
      names.set(value, name);
    }
  }
  return names;
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

class SchemaRegistry {
  readonly components: Record<string, JsonSchema> = {};
  readonly #names = protocolSchemaNames();

  /** A reference to a protocol schema (registered once per io shape), or the schema inline. */
  ref(schema: z.ZodType, io: "input" | "output"): JsonSchema {
    if (schema instanceof z.ZodArray && this.#names.has(schema.element as z.ZodType)) {
      return { type: "array", items: this.ref(schema.element as z.ZodType, io) };
    }
    const name = this.#names.get(schema);
    if (!name) return jsonSchema(schema, io);
    const body = jsonSchema(schema, io);
    const existing = this.components[name];
    const key = !existing || JSON.stringify(existing) === JSON.stringify(body)
      ? name
      : `${name}Input`;
    this.components[key] = body;
    return { $ref: `#/components/schemas/${key}` };
  }
}

function isOptional(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

function headerObject(h: HeaderDoc, registry: SchemaRegistry) {
  return {
    description: h.description,
    schema: registry.ref(h.schema, "output"),
    example: h.example,
  };
}

const KNOWN_CODES: ReadonlySet<string> = new Set(protocol.API_ERROR_CODES);

/** Only the codes this server has (a list may name codes a newer one adds). */
function known(errors: [number, string, string][]): ErrorDoc[] {
  return errors.filter(([, code]) => KNOWN_CODES.has(code)) as ErrorDoc[];
}

/** A write authenticated by the session cookie from another site's page (docs/security.md). */
const CROSS_SITE =
  'Cross-site request refused: Origin "https://evil.example" is not this server. ' +
  "Scripts authenticate with Authorization: Bearer";

/** Errors any route can answer: the `default` response of every operation. */
export const ANY_ROUTE_ERRORS: ErrorDoc[] = known([
  [500, "internal", "Internal server error"],
  [431, "header_too_large", "Request headers are 20480 bytes, max is 16384"],
  [503, "unavailable", "The database cannot be reached, try again shortly"],
]);

/** The errors an operation can answer: those of its kind, then its own. */
export function errorsOf(op: OperationDoc): ErrorDoc[] {
  const out: ErrorDoc[] = [];
  if (op.body && (op.body.contentType ?? "application/json") === "application/json") {
    out.push([
      400,
      "validation_failed",
      "Invalid request: name: Too small: expected string to have >=1 characters",
    ]);
    out.push([400, "invalid_json", "Body is not valid JSON"]);
    out.push([413, "payload_too_large", "Body is over the limit of 65536 bytes"]);
    out.push([400, "invalid_text", "name contains a NUL character"]);
    out.push([400, "too_deep", "Body nests deeper than 16 levels"]);
    out.push(...known([[
      415,
      "unsupported_media_type",
      'Body must be JSON (Content-Type: application/json), got "text/plain"',
    ]]));
  }
  if (op.query) {
    out.push([
      400,
      "validation_failed",
      "Invalid request: limit: Too big: expected number to be <=500",
    ]);
  }
  if (op.auth === "admin") {
    const scope = requiredScopes(op.method.toUpperCase(), op.path)[0];
    out.push([401, "unauthorized", "Sign in first: no session token"]);
    out.push([
      403,
      "forbidden",
      `This API token lacks the scope "${scope}" needed for ${op.method.toUpperCase()} ${op.path}`,
    ]);
  }
  if (op.auth === "admin" && !["get", "head"].includes(op.method)) {
    out.push([403, "forbidden", CROSS_SITE]);
  }
  if (op.auth === "agent") out.push([401, "unauthorized", "Invalid agent credentials"]);
  for (const error of op.errors ?? []) {
    if (!out.some(([s, c]) => s === error[0] && c === error[1])) out.push(error);
  }
  return out;
}

function security(op: OperationDoc): Record<string, string[]>[] | undefined {
  switch (op.auth) {
    case "admin": {
      const scopes = requiredScopes(op.method.toUpperCase(), op.path);
      return [{ bearerAuth: scopes }, { sessionCookie: [] }];
    }
    case "agent":
      return [{ agentId: [], agentToken: [] }];
    case "enrollment":
      return [{ enrollmentToken: [] }];
    case "none":
      return [];
  }
}

function operationObject(op: OperationDoc, registry: SchemaRegistry): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  for (const [name, p] of Object.entries(op.params ?? {})) {
    parameters.push({
      name,
      in: "path",
      required: true,
      description: p.description,
      schema: p.enum ? { type: "string", enum: [...p.enum] } : { type: "string" },
      example: p.example,
    });
  }
  for (const [name, schema] of Object.entries(op.query?.shape ?? {})) {
    const s = schema as z.ZodType;
    const param: Record<string, unknown> = {
      name,
      in: "query",
      required: !isOptional(s),
      schema: registry.ref(s, "input"),
    };
    if (s.description) param.description = s.description;
    if (op.queryExample && name in op.queryExample) param.example = op.queryExample[name];
    parameters.push(param);
  }
  for (const h of op.headers ?? []) {
    parameters.push({
      name: h.name,
      in: "header",
      required: h.required ?? false,
      ...headerObject(h, registry),
    });
  }

  const responses: Record<string, unknown> = {};
  for (const [status, reply] of Object.entries(op.replies)) {
    const response: Record<string, unknown> = { description: reply.description };
    if (reply.schema) {
      response.content = {
        [reply.contentType ?? "application/json"]: {
          schema: registry.ref(reply.schema, "output"),
          ...(reply.example === undefined ? {} : { example: reply.example }),
        },
      };
    }
    if (reply.headers) {
      response.headers = Object.fromEntries(
        reply.headers.map((h) => [h.name, headerObject(h, registry)]),
      );
    }
    responses[status] = response;
  }
  const byStatus = new Map<number, ErrorDoc[]>();
  for (const error of errorsOf(op)) {
    byStatus.set(error[0], [...byStatus.get(error[0]) ?? [], error]);
  }
  for (const [status, errors] of [...byStatus].sort(([a], [b]) => a - b)) {
    const codes = [...new Set(errors.map(([, code]) => code))];
    const response: Record<string, unknown> = {
      description: `Error: ${codes.map((c) => `\`${c}\``).join(", ")}`,
      content: {
        "application/json": {
          schema: registry.ref(protocol.ApiErrorBody, "output"),
          examples: Object.fromEntries(errors.map(([, code, message], i) => [
            errors.slice(0, i).some(([, c]) => c === code) ? `${code}_${i}` : code,
            { value: { error: { code, message } } },
          ])),
        },
      },
    };
    if (status === 429 || status === 503) {
      response.headers = {
        "Retry-After": { description: "Seconds to wait", schema: { type: "string" } },
      };
    }
    responses[String(status)] = response;
  }
  responses.default = {
    description: `Any route: ${ANY_ROUTE_ERRORS.map(([s, c]) => `\`${c}\` (${s})`).join(", ")}`,
    content: {
      "application/json": {
        schema: registry.ref(protocol.ApiErrorBody, "output"),
        examples: Object.fromEntries(
          ANY_ROUTE_ERRORS.map((
            [, code, message],
          ) => [code, { value: { error: { code, message } } }]),
        ),
      },
    },
  };

  const operation: Record<string, unknown> = {
    operationId: `${op.method}${
      toOpenApiPath(op.path).replace(/[^A-Za-z0-9]+(.)?/g, (_, c) => (c ?? "").toUpperCase())
    }`,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: security(op),
    ...(parameters.length ? { parameters } : {}),
    responses,
  };
  if (op.auth === "admin") {
    operation["x-required-scopes"] = requiredScopes(op.method.toUpperCase(), op.path);
  }
  if (op.body) {
    const type = op.body.contentType ?? "application/json";
    operation.requestBody = {
      required: !isOptional(op.body.schema),
      ...(op.body.description ? { description: op.body.description } : {}),
      content: {
        [type]: {
          schema: registry.ref(op.body.schema, "input"),
          example: op.body.example,
          ...(type === "multipart/form-data"
            ? { encoding: { file: { contentType: "application/zip" } } }
            : {}),
        },
      },
    };
  }
  return operation;
}

export interface DocumentOptions {
  version: string;
}

export function buildOpenApiDocument(
  operations: OperationDoc[],
  options: DocumentOptions,
): OpenApiDocument {
  const registry = new SchemaRegistry();
  const paths: OpenApiDocument["paths"] = {};
  for (const op of operations) {
    const path = toOpenApiPath(op.path);
    paths[path] ??= {};
    paths[path][op.method] = operationObject(op, registry);
  }
  const tags = [...new Set(operations.map((op) => op.tag))].map((name) => ({ name }));
  return {
    openapi: "3.1.0",
    info: {
      title: "Hangar API",
      version: options.version,
      summary: "Keeps a fleet of Windows agents up to date",
      description:
        "Every route the Hangar server answers. Payload schemas come from the server's " +
        "`protocol/` module; errors are `{error: {code, message}}`. Admin routes take a session " +
        "or an API token (`hgr_...`) limited to the scopes each operation lists. The narrative " +
        "is docs/api.md.",
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags,
    paths,
    components: {
      schemas: registry.components,
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description:
            "A session token from POST /api/auth/login, or an API token `hgr_...` (limited to its scopes)",
        },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: SESSION_COOKIE,
          description: "The admin page's session",
        },
        agentId: {
          type: "apiKey",
          in: "header",
          name: "agent-id",
          description: "Also accepted as X-Agent-Id",
        },
        agentToken: {
          type: "apiKey",
          in: "header",
          name: "agent-token",
          description: "Also accepted as X-Agent-Token",
        },
        enrollmentToken: {
          type: "apiKey",
          in: "header",
          name: ENROLLMENT_TOKEN_HEADER,
          description: "The server's enrollment token",
        },
      },
    },
  };
}
