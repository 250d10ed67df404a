import assert from "node:assert/strict";
import {
  boundDetails,
  cutText,
  jsonBytes,
  MAX_DETAILS_BYTES,
  TRUNCATED_KEY,
  TRUNCATION_MARKER,
} from "./error_size.ts";

Deno.test("boundDetails keeps details that fit as they are", () => {
  const details = { stack_trace: "Error: x", attempt: 3 };
  assert.equal(boundDetails(details), details);
});

Deno.test("boundDetails cuts long strings and marks the details when they are too large", () => {
  const details = { stack_trace: "s".repeat(50_000), download_url: "/x", attempt: 2 };
  const bounded = boundDetails(details);
  assert.ok(jsonBytes(bounded) <= MAX_DETAILS_BYTES);
  assert.equal(bounded.download_url, "/x");
  assert.equal(bounded.attempt, 2);
  assert.ok(String(bounded.stack_trace).endsWith(TRUNCATION_MARKER));
  assert.deepEqual(bounded[TRUNCATED_KEY], { original_bytes: jsonBytes(details) });
});

Deno.test("boundDetails keeps short fields and a preview when cutting strings is not enough", () => {
  const many = Object.fromEntries(
    Array.from({ length: 400 }, (_, i) => [`k${i}`, { v: "x".repeat(100) }]),
  );
  const details = { ...many, agent_version_at_error: "1.0.0" };
  const bounded = boundDetails(details);
  assert.ok(jsonBytes(bounded) <= MAX_DETAILS_BYTES);
  assert.equal(bounded.agent_version_at_error, "1.0.0");
  assert.ok(String(bounded.preview).endsWith(TRUNCATION_MARKER));
  assert.ok(TRUNCATED_KEY in bounded);
});

Deno.test("cutText never leaves half of a surrogate pair", () => {
  const cut = cutText("ab😀cd", 3);
  assert.equal(cut, "ab" + TRUNCATION_MARKER);
  assert.equal(cutText("short", 10), "short");
});
