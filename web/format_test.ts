import assert from "node:assert/strict";
import { formatAgo, formatBytes, formatDateTime, formatLastSeen, shortHash } from "./format.ts";

Deno.test("formatBytes shows sizes in human units", async (t) => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [699, "699 B"],
    [1536, "1.5 KB"],
    [10 * 1024 * 1024, "10.0 MB"],
    [150 * 1024 * 1024, "150 MB"],
    [3.25 * 1024 ** 3, "3.3 GB"],
    [-1, "—"],
  ];
  for (const [bytes, shown] of cases) {
    await t.step(`${bytes} → ${shown}`, () => assert.equal(formatBytes(bytes), shown));
  }
});

Deno.test("formatAgo counts back from now", async (t) => {
  const now = Date.parse("2025-01-10T12:00:00Z");
  const cases: [string | null, string][] = [
    [null, "never"],
    ["2025-01-10T11:59:30Z", "just now"],
    ["2025-01-10T11:55:00Z", "5 min ago"],
    ["2025-01-10T09:00:00Z", "3 h ago"],
    ["2025-01-09T12:00:00Z", "1 day ago"],
    ["2025-01-07T12:00:00Z", "3 days ago"],
  ];
  for (const [iso, shown] of cases) {
    await t.step(`${iso} → ${shown}`, () => assert.equal(formatAgo(iso, now), shown));
  }
});

Deno.test("shortHash keeps the first 12 hex digits", () => {
  assert.equal(shortHash("a".repeat(64)), `${"a".repeat(12)}…`);
  assert.equal(shortHash("abc"), "abc");
});

Deno.test("formatDateTime carries the zone; formatLastSeen tells connected from offline", () => {
  assert.match(formatDateTime("2025-01-10T12:00:00Z"), /^\d{4}-\d\d-\d\d \d\d:\d\d \S+/);
  assert.equal(formatDateTime(null), "never");
  const now = Date.parse("2025-01-10T12:00:00Z");
  assert.equal(formatLastSeen(true, "2025-01-10T11:00:00Z", now), "connected");
  assert.equal(formatLastSeen(false, "2025-01-10T11:55:00Z", now), "5 min ago");
  assert.equal(formatLastSeen(false, null, now), "never");
});
