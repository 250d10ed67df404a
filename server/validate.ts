/** Request-body and query validation with the protocol's zod schemas. */
import type { Context } from "hono";
import type { z } from "zod";
import {
  findJsonProblem,
  jsonDepth,
  MAX_JSON_DEPTH,
  printable,
  textProblem,
} from "../protocol/mod.ts";
import { HttpError } from "./errors.ts";

/** Bodies larger than this are refused before they are parsed (413). */
export const MAX_JSON_BYTES = 64 * 1024;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}

/** Parses `value` with `schema` or throws a 400 `validation_failed` naming the fields. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(
      400,
      "validation_failed",
      `Invalid request: ${describeIssues(result.error)}`,
    );
  }
  return result.data;
}

/** Throws 400 `invalid_text` when `text` (the value of `field`) cannot be stored. */
export function checkText(field: string, text: string): string {
  const problem = textProblem(text);
  if (problem) throw new HttpError(400, "invalid_text", `${printable(field)} ${problem}`);
  return text;
}

/**
 * Parses JSON text under the rules every body follows: UTF-8 already decoded,
 * at most MAX_JSON_DEPTH deep (400 `too_deep`, checked before parsing), and no
 * string or key that cannot be stored (400 `invalid_text`).
 */
export function parseJsonText(text: string): unknown {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new HttpError(400, "too_deep", `Body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "Body is not valid JSON");
  }
  const found = findJsonProblem(value);
  if (found) {
    throw new HttpError(
      400,
      found.kind === "depth" ? "too_deep" : "invalid_text",
      `${found.path} ${found.problem}`,
    );
  }
  return value;
}

/** Whether a Content-Type names JSON (`application/json`, or `application/<x>+json`). */
export function isJsonType(contentType: string | undefined): boolean {
  const type = contentType?.split(";")[0].trim().toLowerCase() ?? "";
  return type === "application/json" || /^application\/[\w.+-]+\+json$/.test(type);
}

function unsupportedType(contentType: string | undefined): HttpError {
  const named = contentType === undefined ? "no Content-Type" : `"${contentType.slice(0, 100)}"`;
  return new HttpError(
    415,
    "unsupported_media_type",
    `Body must be JSON (Content-Type: application/json), got ${named}`,
  );
}

/**
 * Reads a JSON body of at most MAX_JSON_BYTES and validates it. An empty body
 * is read as `emptyAs` when given (routes whose fields are all optional). A
 * body that is not labelled JSON is refused (415): a form or `text/plain` post
 * from another site's page is how cross-site forgery sends a body.
 */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: { emptyAs?: unknown } = {},
): Promise<z.infer<S>> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_JSON_BYTES) {
    throw new HttpError(
      413,
      "payload_too_large",
      `Body is ${declared} bytes, max is ${MAX_JSON_BYTES}`,
    );
  }
  const contentType = c.req.header("content-type");
  if (contentType !== undefined && !isJsonType(contentType) && declared > 0) {
    throw unsupportedType(contentType);
  }
  const body = c.req.raw.body;
  let text = "";
  if (body) {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > MAX_JSON_BYTES) {
        throw new HttpError(
          413,
          "payload_too_large",
          `Body is over the limit of ${MAX_JSON_BYTES} bytes`,
        );
      }
      chunks.push(chunk);
    }
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(concat(chunks, size));
    } catch {
      throw new HttpError(400, "invalid_text", "Body is not valid UTF-8");
    }
  }
  if (text !== "" && !isJsonType(contentType)) throw unsupportedType(contentType);
  if (text.trim() === "" && "emptyAs" in options) return parseWith(schema, options.emptyAs);
  return parseWith(schema, parseJsonText(text));
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID: ids in paths that are not cannot name a row (404, never a query). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
