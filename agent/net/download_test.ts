import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Logger } from "../log.ts";
import { HttpClient, HttpClientError } from "./http_client.ts";

const BODY = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
const SHA = createHash("sha256").update(BODY).digest("hex");

interface Seen {
  ranges: (string | null)[];
  agentIds: (string | null)[];
}

/**
 * A package host with Range support whose first reply stops after `cutAt`
 * bytes (the connection drops, or with `stall` stays open and silent), and
 * which answers 503 + Retry-After `busy` times first.
 */
function serveFile(opts: { cutAt?: number; busy?: number; stall?: boolean }) {
  const seen: Seen = { ranges: [], agentIds: [] };
  let requests = 0;
  let busy = opts.busy ?? 0;
  const stalled: ReadableStreamDefaultController<Uint8Array>[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    seen.ranges.push(req.headers.get("range"));
    seen.agentIds.push(req.headers.get("agent-id"));
    if (busy-- > 0) return new Response(null, { status: 503, headers: { "retry-after": "0" } });
    const range = /^bytes=(\d+)-$/.exec(req.headers.get("range") ?? "");
    const start = range ? Number(range[1]) : 0;
    const part = BODY.subarray(start);
    const headers = new Headers({ "content-length": String(part.length) });
    if (range) headers.set("content-range", `bytes ${start}-${BODY.length - 1}/${BODY.length}`);
    const cut = requests++ === 0 && opts.cutAt !== undefined ? opts.cutAt : undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (cut === undefined) {
          controller.enqueue(part);
          controller.close();
        } else {
          controller.enqueue(part.subarray(0, cut));
          stalled.push(controller);
          if (!opts.stall) setTimeout(() => controller.error(new Error("cut")), 20);
        }
      },
    });
    return new Response(body, { status: range ? 206 : 200, headers });
  });
  const shutdown = async () => {
    for (const c of stalled) c.error(new Error("test over"));
    await server.shutdown();
  };
  return { server: { shutdown }, seen, url: `http://127.0.0.1:${server.addr.port}` };
}

async function withClient(
  serverUrl: string,
  fn: (client: HttpClient, dir: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "agent-download-" });
  const log = new Logger({ dir: join(dir, "logs") });
  try {
    await fn(new HttpClient({ serverUrl, agentId: "a1", agentToken: "t1", log }), dir);
  } finally {
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function sha256(path: string) {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

Deno.test("downloadFile resumes a cut transfer with Range and ends with the exact file", async () => {
  const { server, seen, url } = serveFile({ cutAt: 100_000 });
  try {
    await withClient(url, async (client, dir) => {
      const save = join(dir, "package.zip");
      const result = await client.downloadFile("/pkg.zip", save, {
        expectedSize: BODY.length,
        policy: { retryBaseMs: 10 },
      });
      assert.equal(result.resumes, 1);
      assert.equal(await sha256(save), SHA);
      assert.deepEqual(seen.ranges, [null, "bytes=100000-"]);
      assert.deepEqual(seen.agentIds, ["a1", "a1"]);
      await assert.rejects(() => Deno.stat(`${save}.part`), Deno.errors.NotFound);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("downloadFile drops a transfer that goes silent and resumes it", async () => {
  const { server, seen, url } = serveFile({ cutAt: 50_000, stall: true });
  try {
    await withClient(url, async (client, dir) => {
      const save = join(dir, "package.zip");
      const result = await client.downloadFile("/pkg.zip", save, {
        expectedSize: BODY.length,
        policy: { retryBaseMs: 10 },
        idleTimeoutMs: 200,
      });
      assert.equal(result.resumes, 1);
      assert.deepEqual(seen.ranges, [null, "bytes=50000-"]);
      assert.equal(await sha256(save), SHA);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("downloadFile waits out 503 Retry-After and then downloads", async () => {
  const { server, seen, url } = serveFile({ busy: 1 });
  try {
    await withClient(url, async (client, dir) => {
      const save = join(dir, "package.zip");
      await client.downloadFile("/pkg.zip", save, { expectedSize: BODY.length });
      assert.equal(seen.ranges.length, 2);
      assert.equal(await sha256(save), SHA);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("downloadFile refuses a file of another size than expected", async () => {
  const { server, url } = serveFile({});
  try {
    await withClient(url, async (client, dir) => {
      const error = await client.downloadFile("/pkg.zip", join(dir, "p.zip"), {
        expectedSize: BODY.length + 1,
      }).catch((e) => e);
      assert.ok(error instanceof HttpClientError);
      assert.equal(error.kind, "size_mismatch");
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("downloadFile sends no agent token to another host", async () => {
  const other = serveFile({});
  try {
    await withClient("http://127.0.0.1:1", async (client, dir) => {
      await client.downloadFile(`${other.url}/pkg.zip`, join(dir, "p.zip"));
      assert.deepEqual(other.seen.agentIds, [null]);
    });
  } finally {
    await other.server.shutdown();
  }
});
