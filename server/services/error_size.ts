/**
 * Byte bounds on what one error report may store (issue 13, item 3): details
 * over MAX_DETAILS_BYTES are cut, long strings first, and marked so an admin
 * sees that something was dropped and how much there was.
 */

/** The largest `error_details` stored for one error, as UTF-8 JSON. */
export const MAX_DETAILS_BYTES = 16 * 1024;
/** Strings in over-large details are cut to this many characters. */
const FIELD_CHARS = 4096;
/** Appended to every string that was cut. */
export const TRUNCATION_MARKER = "… [truncated]";
/** The key added to details that were cut: `{original_bytes}`. */
export const TRUNCATED_KEY = "details_truncated";

const encoder = new TextEncoder();

/** UTF-8 size of `value` as JSON. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).byteLength;
}

/** Cuts `text` to at most `chars` UTF-16 units without splitting a surrogate pair. */
export function cutText(text: string, chars: number): string {
  if (text.length <= chars) return text;
  let end = chars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + TRUNCATION_MARKER;
}

/**
 * Returns `details` when it fits in `maxBytes`; else a copy whose long strings
 * are cut, and when that is still too large, only its short scalar fields and a
 * cut preview of the whole. Either way it carries `details_truncated`.
 */
export function boundDetails(
  details: Record<string, unknown>,
  maxBytes = MAX_DETAILS_BYTES,
): Record<string, unknown> {
  const size = jsonBytes(details);
  if (size <= maxBytes) return details;
  const marker = { original_bytes: size };
  const cut: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    cut[key] = typeof value === "string" ? cutText(value, FIELD_CHARS) : value;
  }
  cut[TRUNCATED_KEY] = marker;
  if (jsonBytes(cut) <= maxBytes) return cut;
  const scalars: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    const short = typeof value === "string" ? value.length <= 256 : typeof value !== "object";
    if (short && key.length <= 256) scalars[key] = value;
  }
  const slim = { ...scalars, [TRUNCATED_KEY]: marker };
  const room = Math.max(0, Math.floor((maxBytes - jsonBytes(slim)) / 3) - 64);
  const bounded = { ...slim, preview: cutText(JSON.stringify(details), room) };
  return jsonBytes(bounded) <= maxBytes ? bounded : { [TRUNCATED_KEY]: marker };
}
