import assert from "node:assert/strict";
import { join } from "node:path";
import { silentLogger } from "../log.ts";
import {
  type DownloadReply,
  type DownloadRequest,
  PackageDownloads,
  type PackageFile,
} from "./package_download.ts";

const BYTES = new TextEncoder().encode("0123456789abcdefghij");

async function withPackage(fn: (file: PackageFile) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hangar-download-" });
  try {
    const path = join(dir, "hangar-agent-1.2.0.zip");
    await Deno.writeFile(path, BYTES);
    await fn({ path, fileName: "hangar-agent-1.2.0.zip", sha256: "abc", version: "1.2.0" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function get(headers: Record<string, string> = {}, method = "GET"): DownloadRequest {
  return { method, headers: new Headers(headers) };
}

async function text(reply: DownloadReply): Promise<string> {
  return reply.body === null ? "" : await new Response(reply.body).text();
}

Deno.test("PackageDownloads.serve answers what the request asks for", async (t) => {
  await withPackage(async (file) => {
    const downloads = new PackageDownloads({ maxConcurrent: 2, logger: silentLogger });
    const cases: {
      name: string;
      request: DownloadRequest;
      status: number;
      body: string;
      headers: Record<string, string>;
    }[] = [
      {
        name: "the whole file",
        request: get(),
        status: 200,
        body: "0123456789abcdefghij",
        headers: { "content-length": "20", "etag": '"abc"' },
      },
      {
        name: "a range",
        request: get({ range: "bytes=5-9" }),
        status: 206,
        body: "56789",
        headers: { "content-length": "5", "content-range": "bytes 5-9/20" },
      },
      {
        name: "a resume with the same ETag",
        request: get({ range: "bytes=15-", "if-range": '"abc"' }),
        status: 206,
        body: "fghij",
        headers: { "content-range": "bytes 15-19/20" },
      },
      {
        name: "a resume of another file: the whole new one",
        request: get({ range: "bytes=15-", "if-range": '"old"' }),
        status: 200,
        body: "0123456789abcdefghij",
        headers: { "content-length": "20" },
      },
      {
        name: "a file the client has",
        request: get({ "if-none-match": '"abc"' }),
        status: 304,
        body: "",
        headers: { "etag": '"abc"' },
      },
      {
        name: "HEAD",
        request: get({}, "HEAD"),
        status: 200,
        body: "",
        headers: { "content-length": "20" },
      },
    ];
    for (const c of cases) {
      await t.step(c.name, async () => {
        const reply = await downloads.serve(file, c.request);
        assert.ok("status" in reply, JSON.stringify(reply));
        assert.equal(reply.status, c.status);
        assert.equal(await text(reply), c.body);
        for (const [name, value] of Object.entries(c.headers)) {
          assert.equal(reply.headers[name], value, name);
        }
      });
    }
    assert.equal(downloads.active, 0);
  });
});

Deno.test("PackageDownloads.serve refuses a range outside the file and a missing file", async () => {
  await withPackage(async (file) => {
    const downloads = new PackageDownloads({ maxConcurrent: 2, logger: silentLogger });
    assert.deepEqual(await downloads.serve(file, get({ range: "bytes=20-" })), {
      refused: "unsatisfiable",
      size: 20,
    });
    assert.deepEqual(await downloads.serve({ ...file, path: `${file.path}.gone` }, get()), {
      refused: "missing",
    });
    assert.equal(downloads.active, 0);
  });
});

Deno.test("PackageDownloads.serve is busy while every slot streams, free once one ends", async () => {
  await withPackage(async (file) => {
    const downloads = new PackageDownloads({ maxConcurrent: 1, logger: silentLogger });
    const first = await downloads.serve(file, get());
    assert.ok("status" in first);
    assert.equal(downloads.active, 1);
    assert.deepEqual(await downloads.serve(file, get()), { refused: "busy" });
    assert.equal(await text(first), "0123456789abcdefghij");
    assert.equal(downloads.active, 0);
    const second = await downloads.serve(file, get());
    assert.ok("status" in second);
    await second.body?.cancel();
    assert.equal(downloads.active, 0);
  });
});
