import assert from "node:assert/strict";
import { join } from "node:path";
import { multipartParts } from "../release/upload.ts";
import { postFile, proxyFor } from "./post_file.ts";

Deno.test("postFile sends a multipart form a real server parses, with progress per chunk", async () => {
  const dir = await Deno.makeTempDir();
  const zip = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 7) & 0xff);
  const path = join(dir, "hangar-agent-1.0.0.zip");
  await Deno.writeFile(path, zip);
  const server = Deno.serve({ port: 0, onListen() {} }, async (req) => {
    const form = await req.formData();
    const file = form.get("file") as File;
    const same = new Uint8Array(await file.arrayBuffer()).every((b, i) => b === zip[i]);
    return Response.json({ version: form.get("version"), size: file.size, same }, { status: 201 });
  });
  try {
    const { head, tail, contentType } = multipartParts({ version: "1.0.0" }, {
      field: "file",
      path,
    });
    const sent: number[] = [];
    const reply = await postFile(`http://127.0.0.1:${server.addr.port}/upload?x=1`, {
      headers: { "content-type": contentType },
      head,
      path,
      tail,
      onProgress: (n) => sent.push(n),
    });
    assert.equal(reply.status, 201);
    assert.deepEqual(JSON.parse(reply.body), { version: "1.0.0", size: zip.length, same: true });
    assert.equal(sent.at(-1), zip.length);
    assert.ok(sent.length >= 4, "progress comes per chunk, not once at the end");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("postFile returns a reply the server sends before reading the body", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "big.zip");
  await Deno.writeFile(path, new Uint8Array(8 * 1024 * 1024));
  const server = Deno.serve(
    { port: 0, onListen() {} },
    () => Response.json({ error: { code: "too_large", message: "no" } }, { status: 413 }),
  );
  try {
    const reply = await postFile(`http://127.0.0.1:${server.addr.port}/`, {
      headers: {},
      head: new Uint8Array(),
      path,
      tail: new Uint8Array(),
    });
    assert.equal(reply.status, 413);
    assert.match(reply.body, /too_large/);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("proxyFor reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY like curl", async (t) => {
  const cases: [string, Record<string, string>, string | null][] = [
    ["https://hangar.example.com/x", {}, null],
    ["https://hangar.example.com/x", { HTTPS_PROXY: "http://proxy:3128" }, "http://proxy:3128"],
    ["https://hangar.example.com/x", { https_proxy: "http://p:1" }, "http://p:1"],
    ["http://hangar.example.com/x", { HTTPS_PROXY: "http://proxy:3128" }, null],
    ["http://hangar.example.com/x", { HTTP_PROXY: "http://proxy:3128" }, "http://proxy:3128"],
    ["https://hangar.example.com/", { HTTPS_PROXY: "http://p:1", NO_PROXY: "example.com" }, null],
    ["https://hangar.example.com/", { HTTPS_PROXY: "http://p:1", NO_PROXY: ".example.com" }, null],
    [
      "https://hangar.example.org/",
      { HTTPS_PROXY: "http://p:1", NO_PROXY: "example.com" },
      "http://p:1",
    ],
    ["https://127.0.0.1:8080/", { HTTPS_PROXY: "http://p:1", NO_PROXY: "*" }, null],
  ];
  for (const [url, env, expected] of cases) {
    await t.step(`${url} with ${JSON.stringify(env)} -> ${expected}`, () => {
      assert.equal(proxyFor(url, (name) => env[name]), expected);
    });
  }
});
