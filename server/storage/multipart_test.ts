import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { boundaryOf, MultipartError, parseMultipart, readPartText } from "./multipart.ts";

/** Re-chunks a body into pieces of `size` bytes, as a slow network would deliver it. */
function rechunk(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset += size));
    },
  });
}

async function encode(form: FormData): Promise<{ bytes: Uint8Array; boundary: string }> {
  const res = new Response(form);
  const boundary = boundaryOf(res.headers.get("content-type"));
  assert.ok(boundary);
  return { bytes: new Uint8Array(await res.arrayBuffer()), boundary };
}

interface Parsed {
  name: string;
  filename: string | null;
  sha256: string;
  size: number;
}

async function parseAll(stream: ReadableStream<Uint8Array>, boundary: string): Promise<Parsed[]> {
  const parts: Parsed[] = [];
  for await (const part of parseMultipart(stream, boundary)) {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of part.body) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
    parts.push({ name: part.name, filename: part.filename, sha256: hash.digest("hex"), size });
  }
  return parts;
}

const sha = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

Deno.test("parseMultipart yields every field and file intact whatever the chunking", async (t) => {
  const file = new Uint8Array(randomBytes(200_000));
  // Bytes that look like the start of a delimiter must survive.
  file.set(new TextEncoder().encode("\r\n--\r\n-"), 1000);
  const form = new FormData();
  form.append("version", "1.2.3");
  form.append("notes", "héllo\r\nworld");
  form.append("file", new Blob([file]), "pkg-1.2.3.zip");
  const { bytes, boundary } = await encode(form);
  for (const size of [1, 7, 70, 4096, 65_536, bytes.length]) {
    await t.step(`chunks of ${size} bytes`, async () => {
      const parts = await parseAll(rechunk(bytes, size), boundary);
      assert.deepEqual(parts, [
        { name: "version", filename: null, sha256: sha("1.2.3"), size: 5 },
        { name: "notes", filename: null, sha256: sha("héllo\r\nworld"), size: 13 },
        { name: "file", filename: "pkg-1.2.3.zip", sha256: sha(file), size: file.length },
      ]);
    });
  }
});

Deno.test("parseMultipart skips a part body the caller did not read", async () => {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(100_000)]), "a.zip");
  form.append("version", "2.0.0");
  const { bytes, boundary } = await encode(form);
  const seen: string[] = [];
  for await (const part of parseMultipart(rechunk(bytes, 1000), boundary)) {
    seen.push(part.name === "version" ? await readPartText(part, 100) : part.name);
  }
  assert.deepEqual(seen, ["file", "2.0.0"]);
});

Deno.test("parseMultipart rejects malformed bodies", async (t) => {
  const form = new FormData();
  form.append("version", "1.0.0");
  const { bytes, boundary } = await encode(form);
  const cases: [string, Uint8Array, RegExp][] = [
    ["a truncated body", bytes.slice(0, bytes.length - 10), /ended before/],
    ["no boundary at all", new TextEncoder().encode("x".repeat(20_000)), /No multipart boundary/],
    [
      "a part without a name",
      new TextEncoder().encode(
        `--${boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${boundary}--\r\n`,
      ),
      /no form-data name/,
    ],
  ];
  for (const [what, body, message] of cases) {
    await t.step(what, async () => {
      await assert.rejects(parseAll(rechunk(body, 512), boundary), (e) => {
        assert.ok(e instanceof MultipartError);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

Deno.test("readPartText refuses a field over its limit", async () => {
  const form = new FormData();
  form.append("notes", "x".repeat(101));
  const { bytes, boundary } = await encode(form);
  const parts = parseMultipart(rechunk(bytes, 64), boundary);
  const { value: part } = await parts.next();
  await assert.rejects(readPartText(part!, 100), /Field "notes" is over 100 bytes/);
  await parts.return(undefined);
});

Deno.test("boundaryOf reads quoted and bare boundaries, and only form-data", () => {
  const cases: [string | null, string | null][] = [
    ["multipart/form-data; boundary=abc123", "abc123"],
    ['multipart/form-data; boundary="a b:c"', "a b:c"],
    ["Multipart/Form-Data;charset=utf-8; boundary=x", "x"],
    ["multipart/mixed; boundary=abc", null],
    ["application/json", null],
    [null, null],
  ];
  for (const [header, expected] of cases) assert.equal(boundaryOf(header), expected, `${header}`);
});
