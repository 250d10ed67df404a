import assert from "node:assert/strict";
import { join } from "node:path";
import { fileRangeStream, parseRange } from "./file_range.ts";

Deno.test("parseRange reads single byte ranges and ignores what it may ignore", () => {
  const cases: [string | undefined, number, ReturnType<typeof parseRange>][] = [
    [undefined, 100, null],
    ["bytes=0-0", 100, { start: 0, end: 0 }],
    ["bytes=10-19", 100, { start: 10, end: 19 }],
    ["bytes=90-", 100, { start: 90, end: 99 }],
    ["bytes=90-500", 100, { start: 90, end: 99 }],
    ["bytes=-10", 100, { start: 90, end: 99 }],
    ["bytes=-500", 100, { start: 0, end: 99 }],
    ["bytes=100-", 100, "unsatisfiable"],
    ["bytes=100-200", 100, "unsatisfiable"],
    ["bytes=-0", 100, "unsatisfiable"],
    ["bytes=0-", 0, "unsatisfiable"],
    ["bytes=20-10", 100, null],
    ["bytes=-", 100, null],
    ["bytes=1-2,4-5", 100, null],
    ["items=1-2", 100, null],
    ["bytes=abc", 100, null],
  ];
  for (const [header, size, expected] of cases) {
    assert.deepEqual(parseRange(header, size), expected, `${header} of ${size}`);
  }
});

Deno.test("fileRangeStream streams exactly the range and reports when it is done", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "f.bin");
  const data = new Uint8Array(600_000).map((_, i) => i % 251);
  await Deno.writeFile(path, data);
  try {
    for (const [start, end] of [[0, 599_999], [1, 1], [262_143, 524_288], [599_999, 599_999]]) {
      await t.step(`bytes ${start}-${end}`, async () => {
        let done = 0;
        const file = await Deno.open(path);
        const body = fileRangeStream(file, { start, end }, () => done++);
        const got = new Uint8Array(await new Response(body).arrayBuffer());
        assert.deepEqual(got, data.subarray(start, end + 1));
        assert.equal(done, 1);
      });
    }
    await t.step("a cancelled stream closes the file and reports once", async () => {
      let done = 0;
      const file = await Deno.open(path);
      const reader = fileRangeStream(file, { start: 0, end: 599_999 }, () => done++).getReader();
      await reader.read();
      await reader.cancel();
      assert.equal(done, 1);
      assert.throws(() => file.statSync(), Deno.errors.BadResource);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
