/**
 * Starts a real Hangar server process (`deno run server/main.ts`) for one
 * scenario: its own DATA_DIR (embedded database) or a fresh database on the
 * PostgreSQL server named by BENCH_DATABASE_URL, a loopback port of its choosing, a raised
 * descriptor limit; signs in as its admin and reads the enrollment token.
 */
import postgres from "postgres";
import type { AgentVersionRecord } from "../../protocol/mod.ts";
import { postFile } from "../http/post_file.ts";
import { inspectorUrl } from "./profile.ts";
import { type Memory, readMemory, resetPeak } from "./process.ts";
import { type ChildHandle, startServerProcess } from "../process.ts";

export interface BenchServer {
  url: string;
  pid: number;
  process: ChildHandle;
  adminToken: string;
  enrollmentToken: string;
  /** The server's own PostgreSQL database, or null for its embedded one under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  /** The V8 inspector's WebSocket URL when started with `inspect`. */
  inspector: string | null;
  memory(): Promise<Memory>;
  resetPeak(): Promise<void>;
  /**
   * Stops and starts the process on the same port and data: a server that has
   * just created its database still holds that work's garbage, so memory
   * baselines are taken on a restarted one. Sessions and agents stay valid.
   */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  /** How the last restart went: ms to stop (SIGTERM, SIGKILL after 5 s), ms to answer again. */
  lastRestart?: { stopMs: number; startMs: number; killed: boolean };
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  nofile: number;
  env?: Record<string, string>;
  /** Run with the V8 inspector on a free port, for CPU profiles. */
  inspect?: boolean;
  /** A database and data dir other processes share (several instances); the caller removes them. */
  shared?: { databaseUrl: string; dataDir: string };
}

const ADMIN_PASSWORD = "bench-password-123";
/** The output kept of a server (the bench's servers run long and log much). */
const KEEP_CHARS = 64 * 1024;

/** The `--v8-flags=...` of `deno task start`, so the bench runs the server as it is deployed. */
async function startTaskV8Flags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  return String(config.tasks?.start ?? "").split(/\s+/).filter((arg) =>
    arg.startsWith("--v8-flags=")
  );
}

/** A fresh database next to BENCH_DATABASE_URL's (or `base`), or null to use the embedded one. */
export async function freshDatabase(
  base = Deno.env.get("BENCH_DATABASE_URL"),
): Promise<{ url: string; drop(): Promise<void> } | null> {
  if (!base) return null;
  const name = `hangar_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const run = async (sql: string) => {
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(sql);
    } finally {
      await admin.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const shared = options.shared;
  const dataDir = shared?.dataDir ?? await Deno.makeTempDir({ prefix: "hangar-bench-server-" });
  const database = shared
    ? { url: shared.databaseUrl, drop: async () => {} }
    : await freshDatabase();
  const v8Flags = await startTaskV8Flags();
  let port = 0;
  const spawn = async () => {
    const started = await startServerProcess({
      port,
      denoFlags: [...v8Flags, ...(options.inspect ? ["--inspect=127.0.0.1:0"] : [])],
      nofile: options.nofile,
      keepChars: KEEP_CHARS,
      // Start-up on the embedded database under a loaded machine (the whole suite) can pass 60 s.
      timeoutMs: 120_000,
      env: {
        DATA_DIR: dataDir,
        ADMIN_USERNAME: "admin",
        ADMIN_PASSWORD,
        LOG_REQUESTS: "0",
        // Not inherited from the caller: without BENCH_DATABASE_URL, the embedded database.
        DATABASE_URL: database?.url ?? "",
        ...options.env,
      },
    });
    // A restart comes back on the same port: agents keep the server's URL.
    port = started.port;
    return started;
  };
  let proc: ChildHandle | undefined;
  const cleanUp = async () => {
    await proc?.stop();
    if (shared) return;
    await database?.drop().catch(() => {});
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  try {
    const first = await spawn();
    proc = first.process;
    const url = first.url;
    const adminToken = await signIn(url);
    const tokenRes = await fetch(`${url}/api/admin/enrollment-token`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    if (!tokenRes.ok) throw new Error(`Enrollment token: ${tokenRes.status}`);
    const enrollmentToken = (await tokenRes.json()).enrollment_token as string;
    const server: BenchServer = {
      url,
      pid: proc.pid,
      process: proc,
      adminToken,
      enrollmentToken,
      databaseUrl: database?.url ?? null,
      dataDir,
      inspector: inspectorUrl(proc.output()),
      memory: () => readMemory(server.pid),
      resetPeak: () => resetPeak(server.pid),
      async restart(whileStopped?: () => Promise<void>) {
        const t0 = performance.now();
        await proc!.stop();
        const stoppedMs = performance.now() - t0;
        await whileStopped?.();
        proc = (await spawn()).process;
        server.pid = proc.pid;
        server.process = proc;
        server.inspector = inspectorUrl(proc.output());
        server.lastRestart = {
          stopMs: stoppedMs,
          startMs: performance.now() - t0 - stoppedMs,
          // The grace before SIGKILL is 5 s (tools/process.ts).
          killed: stoppedMs >= 4_900,
        };
      },
      stop: cleanUp,
    };
    return server;
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

async function signIn(url: string): Promise<string> {
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  if (!login.ok) throw new Error(`Admin login failed: ${login.status} ${await login.text()}`);
  return (await login.json()).token as string;
}

/**
 * Uploads `zipPath` as `version`, streaming the multipart body from the file
 * (the bench never holds a package in memory). Returns the record and the
 * time from the first byte sent to the reply.
 */
export async function uploadPackage(
  server: BenchServer,
  zipPath: string,
  version: string,
): Promise<{ record: AgentVersionRecord; ms: number }> {
  const boundary = `----hangar-bench-${crypto.randomUUID()}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = new TextEncoder().encode(
    field("version", version) + field("notes", "bench") +
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; ` +
      `filename="hangar-agent-${version}.zip"\r\ncontent-type: application/zip\r\n\r\n`,
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const started = performance.now();
  const res = await postFile(`${server.url}/api/admin/agents/versions`, {
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      "content-type": `multipart/form-data; boundary=${boundary}`,
    },
    head,
    path: zipPath,
    tail,
  });
  const ms = performance.now() - started;
  if (res.status !== 201) throw new Error(`Upload of ${version}: ${res.status} ${res.body}`);
  return { record: JSON.parse(res.body), ms };
}

/** Marks a version stable (the admin page's "Mark stable"). */
export async function markStable(server: BenchServer, versionId: string): Promise<void> {
  const res = await fetch(`${server.url}/api/admin/agents/versions/${versionId}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ is_stable: true }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Mark stable: ${res.status} ${text}`);
}
