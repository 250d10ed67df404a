import assert from "node:assert/strict";
import { detailRows, errorTitle } from "./error_display.ts";

Deno.test("errorTitle gives known types a human title and spaces out the rest", () => {
  assert.equal(errorTitle("UpdateChecksumMismatch"), "Checksum mismatch after download");
  assert.equal(errorTitle("DiskOnFire"), "Disk On Fire");
});

Deno.test("detailRows shows sizes in units, times with their zone, and skips the stack", () => {
  const rows = detailRows({
    free_bytes: 1_572_864,
    reported_at_agent: "2026-12-01T10:00:00.000Z",
    path: "C:\\Hangar",
    stack_trace: "Error\n  at x",
    nested: { a: 1 },
  });
  assert.deepEqual(rows.map((r) => r.label), ["Free bytes", "Reported at agent", "Path", "Nested"]);
  assert.equal(rows[0].value, "1.5 MB (1,572,864 bytes)");
  assert.match(rows[1].value, /^2026-12-01 \d\d:\d\d \S+/);
  assert.equal(rows[3].block, true);
});
