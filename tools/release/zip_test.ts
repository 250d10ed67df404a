import assert from "node:assert/strict";
import { join } from "node:path";
import { Uint8ArrayReader, ZipWriter } from "@zip.js/zip.js";
import { extractZip, listZip, readZipEntry, writeZip } from "./zip.ts";

Deno.test("writeZip keeps order and executable bits, and extractZip gives the bytes back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const src = join(dir, "src");
    await Deno.mkdir(join(src, "sub"), { recursive: true });
    // A file bigger than one zip.js chunk, so streaming has to stitch chunks together.
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 7) & 0xff);
    await Deno.writeFile(join(src, "big.bin"), big);
    await Deno.writeTextFile(join(src, "run"), "#!/bin/sh\necho hi\n");
    await Deno.writeTextFile(join(src, "sub/notes.txt"), "notes");
    const zipPath = join(dir, "p.zip");
    await writeZip(zipPath, src, [
      { path: "run", executable: true },
      { path: "big.bin" },
      { path: "sub/notes.txt" },
    ]);

    assert.deepEqual(await listZip(zipPath), [
      { path: "run", size: 18, executable: true },
      { path: "big.bin", size: big.length, executable: false },
      { path: "sub/notes.txt", size: 5, executable: false },
    ]);
    assert.equal(new TextDecoder().decode(await readZipEntry(zipPath, "sub/notes.txt")), "notes");

    const out = join(dir, "out");
    assert.deepEqual(await extractZip(zipPath, out), ["run", "big.bin", "sub/notes.txt"]);
    assert.deepEqual(await Deno.readFile(join(out, "big.bin")), big);
    assert.equal(await Deno.readTextFile(join(out, "run")), "#!/bin/sh\necho hi\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("extractZip refuses an entry that climbs out of the target dir", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const zipPath = join(dir, "evil.zip");
    const out = await Deno.open(zipPath, { write: true, create: true });
    const writer = new ZipWriter(out.writable, { useWebWorkers: false });
    await writer.add("../escaped.txt", new Uint8ArrayReader(new TextEncoder().encode("x")));
    await writer.close();
    await assert.rejects(extractZip(zipPath, join(dir, "out")), /unsafe/i);
    await assert.rejects(Deno.stat(join(dir, "escaped.txt")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
