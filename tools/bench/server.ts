/**
 * Starts a real Hangar server process (`deno run server/main.ts`) for one
 * scenario: its own DATA_DIR (embedded database) or a fresh database on the
 * PostgreSQL server named by BENCH_DATABASE_URL, a free loopback port, a raised
 * descriptor limit; signs in as its admin and reads the enrollment token.
 */
import postgres from "postgres";
import type { AgentVersionRecord } from "../../protocol/mod.ts";
import { postFile } from "../http/post_file.ts";
import { inspectorUrl } from "./profile.ts";
import {
  type BenchProcess,
  freePort,
  type Memory,
  readMemory,
  resetPeak,
  spawnDeno,
} from "./process.ts";
import { fileURLToPath } from "node:url";

export interface BenchServer {
  url: string;
  pid: number;
  process: BenchProcess;
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

const SERVER_MAIN = fileURLToPath(new URL("../../server/main.ts", import.meta.url));
const ADMIN_PASSWORD = "bench-password-123";

async function waitForHealth(url: string, proc: BenchProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exited = false;
  proc.child.status.then(() => exited = true);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`The server exited during start-up:\n${proc.tail()}`);
    try {
      const res = await fetch(`${url}/api/health`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`The server did not start in 60 s:\n${proc.tail()}`);
}

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
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const v8Flags = await startTaskV8Flags();
  const spawn = () =>
    spawnDeno({
      args: [
        "run",
        "--allow-all",
        ...v8Flags,
        ...(options.inspect ? ["--inspect=127.0.0.1:0"] : []),
        SERVER_MAIN,
      ],
      nofile: options.nofile,
      env: {
        PORT: String(port),
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
        ADMIN_USERNAME: "admin",
        ADMIN_PASSWORD,
        LOG_REQUESTS: "0",
        // Not inherited from the caller: without BENCH_DATABASE_URL, the embedded database.
        DATABASE_URL: database?.url ?? "",
        ...options.env,
      },
    });
  let proc = spawn();
  const cleanUp = async () => {
    await proc.stop();
    if (shared) return;
    await database?.drop().catch(() => {});
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  try {
    await waitForHealth(url, proc);
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
      inspector: inspectorUrl(proc.tail()),
      memory: () => readMemory(server.pid),
      resetPeak: () => resetPeak(server.pid),
      async restart(whileStopped?: () => Promise<void>) {
        await proc.stop();
        await whileStopped?.();
        proc = spawn();
        server.pid = proc.pid;
        server.process = proc;
        await waitForHealth(url, proc);
        server.inspector = inspectorUrl(proc.tail());
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
