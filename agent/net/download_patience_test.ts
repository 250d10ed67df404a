/**
 * The download's patience (download_policy.ts) over a real loopback server:
 * progress resets the count, busy replies use up no attempt, a link that
 * delivers nothing gives up with its figures, a part file survives a restart
 * for the same file only, and pacing holds the rate.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Logger } from "../log.ts";
import { DownloadGaveUpError, type DownloadOptions, downloadToFile } from "./download.ts";

const BODY = new Uint8Array(400_000).map((_, i) => (i * 7919) % 251);
const SHA = createHash("sha256").update(BODY).digest("hex");

interface HostOptions {
  /** Every response stops after this many body bytes (the connection drops). */
  cutEvery?: number;
  /** Answer 503 + Retry-After: 0 this many times first. */
  busy?: number;
  /** Send headers, then nothing, then drop. */
  nothing?: boolean;
  etag?: string;
}

function host(o: HostOptions) {
  const seen: { range: string | null; ifRange: string | null }[] = [];
  let busy = o.busy ?? 0;
  const etag = o.etag ?? `"${SHA}"`;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    seen.push({ range: req.headers.get("range"), ifRange: req.headers.get("if-range") });
    if (busy-- > 0) return new Response(null, { status: 503, headers: { "retry-after": "0" } });
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.get("range") ?? "");
    const ifRange = req.headers.get("if-range");
    const ranged = range && (!ifRange || ifRange === etag);
    const start = ranged ? Number(range[1]) : 0;
    const last = ranged && range[2] ? Math.min(Number(range[2]), BODY.length - 1) : BODY.length - 1;
    const part = BODY.subarray(start, last + 1);
    const headers = new Headers({ "content-length": String(part.length), etag });
    if (ranged) headers.set("content-range", `bytes ${start}-${last}/${BODY.length}`);
    const cut = o.nothing ? 0 : o.cutEvery;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (cut === undefined) {
          controller.enqueue(part);
          return controller.close();
        }
        if (cut > 0) controller.enqueue(part.subarray(0, cut));
        setTimeout(() => controller.error(new Error("cut")), 20);
      },
    });
    return new Response(body, { status: ranged ? 206 : 200, headers });
  });
  return { seen, url: new URL(`http://127.0.0.1:${server.addr.port}/pkg.zip`), server };
}

async function withDir(fn: (dir: string, log: Logger) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "agent-patience-" });
  const log = new Logger({ dir: join(dir, "logs") });
  try {
    await fn(dir, log);
  } finally {
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const FAST: DownloadOptions = {
  expectedSize: BODY.length,
  identity: SHA,
  policy: { retryBaseMs: 5, retryMaxMs: 20, maxIdleAttempts: 3 },
};

async function sha256(path: string) {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

Deno.test("download finishes through a link cut after every 30 KB: progress is not a failure", async () => {
  const { seen, url, server } = host({ cutEvery: 30_000 });
  try {
    await withDir(async (dir, log) => {
      const save = join(dir, "p.zip");
      const result = await downloadToFile(url, save, {}, log, FAST);
      assert.equal(await sha256(save), SHA);
      // 14 requests, far more than maxIdleAttempts, each resuming where the last one ended.
      assert.equal(seen.length, Math.ceil(BODY.length / 30_000));
      assert.equal(result.resumes, seen.length - 1);
      seen.slice(1).forEach((s, i) => {
        assert.equal(s.range, `bytes=${(i + 1) * 30_000}-`);
        assert.equal(s.ifRange, `"${SHA}"`);
      });
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("download waits out busy replies without using up attempts", async () => {
  const { seen, url, server } = host({ busy: 5 });
  try {
    await withDir(async (dir, log) => {
      const save = join(dir, "p.zip");
      // Retry-After: 0 is waited as 1 s (the floor): keep the count small.
      const result = await downloadToFile(url, save, {}, log, {
        ...FAST,
        policy: { ...FAST.policy, maxIdleAttempts: 1 },
      });
      assert.equal(seen.length, 6);
      assert.equal(result.attempts, 1);
      assert.equal(await sha256(save), SHA);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("download gives up after the zero-progress attempts, with bytes and attempts", async () => {
  const { seen, url, server } = host({ nothing: true });
  try {
    await withDir(async (dir, log) => {
      const error = await downloadToFile(url, join(dir, "p.zip"), {}, log, FAST).catch((e) => e);
      assert.ok(error instanceof DownloadGaveUpError, String(error));
      assert.equal(seen.length, 3);
      assert.equal(error.details.attempts, 3);
      assert.equal(error.details.received_bytes, 0);
      assert.match(String(error.details.reason), /3 attempts in a row received nothing/);
      // The next try gets a deadline of its own.
      const meta = JSON.parse(await Deno.readTextFile(join(dir, "p.zip.part.json")));
      assert.ok(Date.parse(meta.started_at) > Date.parse(String(error.details.started_at)) - 1);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("download gives up when the server stays busy past the busy deadline", async () => {
  const { url, server } = host({ busy: 100 });
  try {
    await withDir(async (dir, log) => {
      const error = await downloadToFile(url, join(dir, "p.zip"), {}, log, {
        ...FAST,
        policy: { ...FAST.policy, busyDeadlineMs: 1_500 },
      }).catch((e) => e);
      assert.ok(error instanceof DownloadGaveUpError, String(error));
      assert.match(String(error.details.reason), /server busy for/);
      assert.equal(error.details.attempts, 0);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("a part file from an earlier run is resumed for the same file and dropped for another", async (t) => {
  const { seen, url, server } = host({});
  try {
    await withDir(async (dir, log) => {
      const save = join(dir, "p.zip");
      const leave = async (identity: string) => {
        await Deno.writeFile(`${save}.part`, BODY.subarray(0, 100_000));
        await Deno.writeTextFile(
          `${save}.part.json`,
          JSON.stringify({
            url: url.href,
            identity,
            size: BODY.length,
            etag: `"${identity}"`,
            started_at: new Date().toISOString(),
          }),
        );
      };
      await t.step("same file: Range from the part's end", async () => {
        await leave(SHA);
        const result = await downloadToFile(url, save, {}, log, FAST);
        assert.equal(result.resumes, 1);
        assert.deepEqual(seen.at(-1), { range: "bytes=100000-", ifRange: `"${SHA}"` });
        assert.equal(await sha256(save), SHA);
        await assert.rejects(() => Deno.stat(`${save}.part.json`), Deno.errors.NotFound);
      });
      await t.step("another file: from byte 0", async () => {
        await Deno.remove(save);
        await leave("0".repeat(64));
        const result = await downloadToFile(url, save, {}, log, FAST);
        assert.equal(result.resumes, 0);
        assert.deepEqual(seen.at(-1), { range: null, ifRange: null });
        assert.equal(await sha256(save), SHA);
      });
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("a server whose file changed answers If-Range with 200 and the download starts over", async () => {
  const { seen, url, server } = host({ etag: '"new"' });
  try {
    await withDir(async (dir, log) => {
      const save = join(dir, "p.zip");
      await Deno.writeFile(`${save}.part`, new Uint8Array(100_000).fill(1));
      await Deno.writeTextFile(
        `${save}.part.json`,
        JSON.stringify({
          url: url.href,
          identity: SHA,
          size: BODY.length,
          etag: '"old"',
          started_at: new Date().toISOString(),
        }),
      );
      const result = await downloadToFile(url, save, {}, log, FAST);
      assert.deepEqual(seen, [{ range: "bytes=100000-", ifRange: '"old"' }]);
      assert.equal(result.resumes, 0);
      assert.equal(await sha256(save), SHA);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("a paced download of 400 KB at 200 KB/s takes about 2 s, in slices of 25 KB", async () => {
  const { seen, url, server } = host({});
  try {
    await withDir(async (dir, log) => {
      const started = performance.now();
      const save = join(dir, "p.zip");
      const result = await downloadToFile(url, save, {}, log, { ...FAST, bytesPerSecond: 200_000 });
      const seconds = (performance.now() - started) / 1000;
      // The bucket starts with one slice: at least (400 - 25) / 200 s.
      assert.ok(seconds >= 1.8, `took ${seconds} s`);
      assert.equal(await sha256(save), SHA);
      assert.equal(seen.length, 16);
      assert.deepEqual(seen[0], { range: "bytes=0-24999", ifRange: null });
      assert.equal(seen[15].range, "bytes=375000-");
      assert.deepEqual([result.resumes, result.attempts], [0, 1]);
    });
  } finally {
    await server.shutdown();
  }
});
