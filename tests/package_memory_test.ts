/**
 * Constant memory for packages: starts a real server process (`deno run
 * server/main.ts`, embedded database), uploads a 300 MB package streamed from
 * disk, downloads it whole and resumed from the middle, and samples the
 * server's VmRSS / VmHWM from /proc/<pid>/status. Slow (about a minute), so it
 * runs only with HANGAR_MEMORY_TEST=1; HANGAR_MEMORY_MB changes the size.
 * With DATABASE_URL set the server uses a fresh Postgres database instead of
 * PGlite, whose WASM heap otherwise dominates the baseline.
 * Prints one JSON line with the figures.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { TextReader, ZipWriter } from "@zip.js/zip.js";
import { createTestDatabase, NO_POSTGRES } from "./helpers/postgres.ts";
import { ADMIN_PASSWORD, ADMIN_USERNAME } from "./helpers/server_process.ts";
import { startServerProcess } from "../tools/process.ts";

const ENABLED = Deno.env.get("HANGAR_MEMORY_TEST") === "1";
const SIZE_MB = Number(Deno.env.get("HANGAR_MEMORY_MB") ?? "300");
const MiB = 1024 * 1024;
const VERSION = "9.0.0";

function readStatus(pid: number): { rss: number; hwm: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+) kB`))![1]);
  return { rss: kb("VmRSS") * 1024, hwm: kb("VmHWM") * 1024 };
}

/** Samples the server's RSS every 50 ms while `work` runs; returns the peak. */
async function peakRssDuring<T>(pid: number, work: () => Promise<T>): Promise<[T, number]> {
  let peak = readStatus(pid).rss;
  const timer = setInterval(() => peak = Math.max(peak, readStatus(pid).rss), 50);
  try {
    return [await work(), peak];
  } finally {
    clearInterval(timer);
    peak = Math.max(peak, readStatus(pid).rss);
  }
}

/** A stored (uncompressed) package of about `mb` MiB, written to disk as it is built. */
async function writeBigPackage(path: string, mb: number): Promise<string> {
  const file = await Deno.open(path, { write: true, createNew: true });
  const zip = new ZipWriter(file.writable, { useWebWorkers: false, level: 0 });
  const block = new Uint8Array(MiB).map((_, i) => (i * 2654435761) >>> 24);
  let sent = 0;
  const agent = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === mb) return controller.close();
      block[0] = sent++ & 0xff; // no two blocks alike
      controller.enqueue(block.slice());
    },
  });
  const manifest = {
    name: "hangar-agent",
    version: VERSION,
    platform: "portable",
    agent: "agent",
    updater: "updater",
    files: [],
  };
  await zip.add("manifest.json", new TextReader(JSON.stringify(manifest)));
  await zip.add("agent", agent);
  await zip.add("updater", new TextReader("#!/bin/sh\n"));
  await zip.close();
  const hash = createHash("sha256");
  for await (const chunk of (await Deno.open(path)).readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Uploads the file as multipart over a plain TCP connection, streaming it from
 * disk with a Content-Length. (Deno's fetch with a streamed body stalls when the
 * server applies backpressure, which would measure the client, not the server.)
 */
async function uploadFromDisk(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const boundary = `----hangar${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="version"\r\n\r\n${VERSION}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.zip"\r\n` +
      `Content-Type: application/zip\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const size = (await Deno.stat(path)).size;
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const lines = [
      "POST /api/admin/agents/versions HTTP/1.1",
      `Host: ${hostname}:${port}`,
      `Content-Type: multipart/form-data; boundary=${boundary}`,
      `Content-Length: ${head.length + size + tail.length}`,
      "Connection: close",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ];
    await conn.write(encoder.encode(lines.join("\r\n")));
    await conn.write(head);
    using file = await Deno.open(path);
    await file.readable.pipeTo(conn.writable, { preventClose: true });
    await conn.write(tail);
    const reply = await new Response(conn.readable).text();
    const status = Number(reply.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
    return { status, body: reply.slice(reply.indexOf("\r\n\r\n") + 4) };
  } finally {
    try {
      conn.close();
    } catch {
      // closed by reading to the end
    }
  }
}

Deno.test({
  name: `a ${SIZE_MB} MB package is uploaded and downloaded in constant server memory`,
  ignore: !ENABLED,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hangar-memory-" });
    const database = NO_POSTGRES ? null : await createTestDatabase();
    const server = await startServerProcess({
      env: {
        DATA_DIR: join(dir, "data"),
        ADMIN_USERNAME,
        ADMIN_PASSWORD,
        LOG_REQUESTS: "0",
        DATABASE_URL: database?.url ?? "",
      },
    });
    const { url, process: child } = server;
    try {
      const zipPath = join(dir, "big.zip");
      const sha256 = await writeBigPackage(zipPath, SIZE_MB);
      const size = (await Deno.stat(zipPath)).size;
      const login = await fetch(`${url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }),
      });
      const admin = { authorization: `Bearer ${(await login.json()).token}` };
      const enrollment = await (await fetch(`${url}/api/admin/enrollment-token`, {
        headers: admin,
      })).json();
      const agent = await (await fetch(`${url}/api/agent/register`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "enrollment-token": enrollment.enrollment_token,
        },
        body: JSON.stringify({ hostname: "mem", os: "linux", agent_version: "1.0.0" }),
      })).json();
      const agentHeaders = { "agent-id": agent.agent_id, "agent-token": agent.agent_token };
      const baseline = readStatus(child.pid).rss;

      const started = performance.now();
      const [record, uploadPeak] = await peakRssDuring(child.pid, async () => {
        const reply = await uploadFromDisk(url, zipPath, admin);
        assert.equal(reply.status, 201, reply.body);
        return JSON.parse(reply.body);
      });
      const uploadSeconds = (performance.now() - started) / 1000;
      assert.equal(record.checksum_sha256, sha256);
      await fetch(`${url}/api/admin/agents/versions/${record.id}`, {
        method: "PUT",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify({ is_stable: true }),
      }).then((r) => r.body?.cancel());

      const downloadStarted = performance.now();
      const [, downloadPeak] = await peakRssDuring(child.pid, async () => {
        const half = Math.floor(size / 2);
        const hash = createHash("sha256");
        const first = await fetch(`${url}${record.download_url}`, {
          headers: { ...agentHeaders, range: `bytes=0-${half - 1}` },
        });
        assert.equal(first.status, 206);
        for await (const chunk of first.body!) hash.update(chunk);
        const rest = await fetch(`${url}${record.download_url}`, {
          headers: { ...agentHeaders, range: `bytes=${half}-` },
        });
        assert.equal(rest.status, 206);
        for await (const chunk of rest.body!) hash.update(chunk);
        assert.equal(hash.digest("hex"), sha256);
      });
      const downloadSeconds = (performance.now() - downloadStarted) / 1000;
      const { hwm } = readStatus(child.pid);
      const mb = (n: number) => Math.round(n / MiB);
      console.log(JSON.stringify({
        database: database ? "postgres" : "pglite",
        package_mb: mb(size),
        baseline_rss_mb: mb(baseline),
        upload_peak_rss_mb: mb(uploadPeak),
        download_peak_rss_mb: mb(downloadPeak),
        vm_hwm_mb: mb(hwm),
        upload_mb_per_s: Math.round(size / MiB / uploadSeconds),
        download_mb_per_s: Math.round(size / MiB / downloadSeconds),
      }));
      // "Far below the file size": the growth is the garbage collector's slack, the same
      // for 50 MB as for 300 MB, and stays under 100 MiB.
      const limit = 100 * MiB;
      assert.ok(
        uploadPeak - baseline < limit,
        `upload grew RSS by ${mb(uploadPeak - baseline)} MB`,
      );
      assert.ok(
        downloadPeak - baseline < limit,
        `download grew RSS by ${mb(downloadPeak - baseline)} MB`,
      );
    } finally {
      await child.stop();
      await Deno.remove(dir, { recursive: true });
      await database?.drop();
    }
  },
});
