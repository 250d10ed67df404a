import assert from "node:assert/strict";
import { createProgress, formatBytes } from "./progress.ts";

Deno.test("formatBytes shows sizes as people read them", async (t) => {
  const table: [number, string][] = [
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KB"],
    [1536, "1.5 KB"],
    [5 * 1024 * 1024, "5.0 MB"],
    [3 * 1024 ** 3, "3.0 GB"],
  ];
  for (const [bytes, text] of table) {
    await t.step(`${bytes} → ${text}`, () => assert.equal(formatBytes(bytes), text));
  }
});

Deno.test("createProgress prints a few plain lines when not on a terminal", () => {
  const lines: string[] = [];
  let clock = 0;
  const progress = createProgress({
    label: "upload",
    total: 4 * 1024 * 1024,
    terminal: false,
    write: (text) => lines.push(text),
    now: () => clock,
  });
  for (let mb = 0.5; mb <= 4; mb += 0.5) {
    clock += 250;
    progress.update(mb * 1024 * 1024);
  }
  progress.finish();
  assert.deepEqual(lines, [
    "upload: 25% (1.0 MB of 4.0 MB)\n",
    "upload: 50% (2.0 MB of 4.0 MB)\n",
    "upload: 75% (3.0 MB of 4.0 MB)\n",
    "upload: 100% (4.0 MB, 2.0 MB/s)\n",
  ]);
  assert.ok(lines.every((line) => !line.includes("\r")));
});

Deno.test("createProgress redraws one bar in place on a terminal, at most every 100 ms", () => {
  const writes: string[] = [];
  let clock = 1000;
  const progress = createProgress({
    label: "upload",
    total: 1000,
    terminal: true,
    write: (text) => writes.push(text),
    now: () => clock,
  });
  progress.update(100);
  progress.update(200); // same instant: not drawn
  clock += 500;
  progress.update(500);
  progress.finish();
  assert.equal(writes.length, 4);
  assert.ok(writes.slice(0, 3).every((w) => w.startsWith("\rupload [")));
  assert.match(writes[1], /\[#{15}-{15}\] {2}50% 500 B\/1000 B/);
  assert.match(writes[2], /\[#{15}-{15}\] {2}50%/);
  assert.equal(writes[3], "\n");
});
