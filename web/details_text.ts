/**
 * An error's details as indented JSON for the admin page, whatever an agent
 * sent: nesting past SHOWN_DEPTH shows as `{…}` / `[…]`, long text is cut, and
 * it never throws. Details nested 5,000 deep made the computer page throw
 * "Maximum call stack size exceeded" and hide all that computer's errors.
 */
export const SHOWN_DEPTH = 8;
export const SHOWN_CHARS = 20_000;
const SHOWN_ENTRIES = 200;

function prune(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= SHOWN_DEPTH) return Array.isArray(value) ? "[…]" : "{…}";
  if (Array.isArray(value)) return value.slice(0, SHOWN_ENTRIES).map((v) => prune(v, depth + 1));
  const entries = Object.entries(value).slice(0, SHOWN_ENTRIES);
  return Object.fromEntries(entries.map(([k, v]) => [k, prune(v, depth + 1)]));
}

export function detailsText(details: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(prune(details, 0), null, 2) ?? String(details);
  } catch {
    return "(these details cannot be shown)";
  }
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}\n… (cut)` : text;
}
