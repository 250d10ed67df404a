/**
 * The character and shape rules every text the server stores must pass, in
 * one place (issue 13, item 2). PostgreSQL refuses U+0000 in `text` and in
 * `jsonb`, and a lone UTF-16 surrogate has no UTF-8 form: such input used to
 * reach the database and come back as a 500. Now it is refused up front.
 */

/** JSON bodies nest at most this deep (objects and arrays); deeper: 400 `too_deep`. */
export const MAX_JSON_DEPTH = 16;

/** Why `text` cannot be stored, or null when it can. */
export function textProblem(text: string): string | null {
  if (text.includes("\0")) return "contains a NUL character (U+0000)";
  if (!text.isWellFormed()) return "contains a lone UTF-16 surrogate";
  return null;
}

/** Where and why a parsed JSON value breaks the rules, or null. */
export interface JsonProblem {
  /** `body`, or the path to the value such as `details.stack` (a key's path names the key). */
  path: string;
  problem: string;
  kind: "text" | "depth";
}

/**
 * The nesting depth of the JSON text, counted without parsing: `{"a":[1]}` is
 * 2. Stops counting once past `limit`, so it costs one pass at most.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
  return max;
}

/** Checks every string (keys too) of a parsed JSON value no deeper than MAX_JSON_DEPTH. */
export function findJsonProblem(value: unknown, path = "body", depth = 0): JsonProblem | null {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem ? { path, problem, kind: "text" } : null;
  }
  if (value === null || typeof value !== "object") return null;
  if (depth >= MAX_JSON_DEPTH) {
    return { path, problem: `nests deeper than ${MAX_JSON_DEPTH} levels`, kind: "depth" };
  }
  const entries = Array.isArray(value)
    ? value.map((item, i) => [String(i), item] as const)
    : Object.entries(value);
  for (const [key, item] of entries) {
    const keyProblem = textProblem(key);
    const at = path === "body" ? key : `${path}.${key}`;
    if (keyProblem) return { path: printable(at), problem: `key ${keyProblem}`, kind: "text" };
    const found = findJsonProblem(item, at, depth + 1);
    if (found) return found;
  }
  return null;
}

/** `text` with NULs and lone surrogates shown as escapes, for messages about it. */
export function printable(text: string): string {
  return text.slice(0, 100).replace(/\0/g, "\\u0000").toWellFormed();
}
