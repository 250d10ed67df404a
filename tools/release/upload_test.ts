import assert from "node:assert/strict";
import { join } from "node:path";
import { multipartBody } from "./upload.ts";

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("multipartBody streams fields and the file as valid multipart of the announced length", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const zip = new Uint8Array(700 * 1024 + 3).map((_, i) => (i * 13) & 0xff);
    const path = join(dir, "hangar-agent-1.1.0-portable.zip");
    await Deno.writeFile(path, zip);
    const progress: number[] = [];
    const notes = 'Line one\r\nline "two" with --dashes';
    const { body, length, contentType } = await multipartBody(
      { version: "1.1.0", notes },
      { field: "file", path },
      (sent) => progress.push(sent),
    );
    const bytes = await collect(body);
    assert.equal(bytes.length, length);
    // Parse it back with the platform's own multipart parser.
    const form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
    assert.equal(form.get("version"), "1.1.0");
    assert.equal(form.get("notes"), notes);
    const file = form.get("file") as File;
    assert.equal(file.name, "hangar-agent-1.1.0-portable.zip");
    assert.equal(file.type, "application/zip");
    assert.deepEqual(new Uint8Array(await file.arrayBuffer()), zip);
    assert.equal(progress.at(-1), zip.length);
    assert.ok(progress.length >= 3, "progress is reported per chunk, not once at the end");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
