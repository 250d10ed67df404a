/**
 * Starts a real Hangar server process (`deno run server/main.ts`) for tests,
 * with its own temporary DATA_DIR (or the given one), on port 0 (it reports
 * the port it got), and signs in as its admin.
 *
 * The database: `env.DATABASE_URL` when the caller gives one ("" for the
 * embedded PGlite); else, when the test run has DATABASE_URL (CI), a fresh
 * database of its own on that server, so parallel tests never share data; else
 * PGlite. The fresh database's URL is kept in DATA_DIR, so a server started
 * again on the same data dir finds the same data.
 */
import { join } from "node:path";
import type { AgentVersionRecord, ComputerError, ComputerSummary } from "../../protocol/mod.ts";
import { createTestDatabase, NO_POSTGRES, type TestDatabase } from "./postgres.ts";
import { type ServerProcess, startServerProcess } from "../../tools/process.ts";

export interface StartServerOptions {
  env?: Record<string, string>;
  dataDir?: string;
  port?: number;
}

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  /** The server's PostgreSQL database, or null for its embedded one under `dataDir`. */
  databaseUrl: string | null;
  adminToken: string;
  enrollmentToken: string;
  /** The server's combined output so far (JSON log lines). */
  output(): string;
  stop(): Promise<void>;
  /**
   * Stops and starts the process again on the same port and data dir; runs
   * `whileStopped` in between (e.g. to write its embedded database).
   */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
}

export const ADMIN_USERNAME = "admin";
export const ADMIN_PASSWORD = "test-password-123";
const DATABASE_MARKER = ".test-database-url";

/** Picks the database for a server on `dataDir`; `created` is set when this call made it. */
async function chooseDatabase(
  dataDir: string,
  env: Record<string, string> | undefined,
): Promise<{ url: string; created: TestDatabase | null }> {
  if (env && "DATABASE_URL" in env) return { url: env.DATABASE_URL, created: null };
  if (NO_POSTGRES) return { url: "", created: null };
  const marker = join(dataDir, DATABASE_MARKER);
  try {
    return { url: (await Deno.readTextFile(marker)).trim(), created: null };
  } catch {
    const created = await createTestDatabase();
    await Deno.writeTextFile(marker, created.url);
    return { url: created.url, created };
  }
}

export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "hangar-server-" });
  const ownsDataDir = options.dataDir === undefined;
  const database = await chooseDatabase(dataDir, options.env);
  let port = options.port ?? 0;
  let server: ServerProcess;
  // The output of every start, so a restarted server's log still holds the first one's.
  let earlier = "";

  async function spawn() {
    server = await startServerProcess({
      port,
      env: {
        DATA_DIR: dataDir,
        ADMIN_USERNAME,
        ADMIN_PASSWORD,
        LOG_REQUESTS: "0",
        ...options.env,
        DATABASE_URL: database.url,
      },
    });
    // A restart comes back on the same port: agents and proxies keep its URL.
    port = server.port;
  }

  async function kill() {
    await server.process.stop();
    earlier += server.process.output();
  }

  await spawn();
  const url = server!.url;
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }),
  });
  if (!login.ok) throw new Error(`Admin login failed: ${login.status} ${await login.text()}`);
  const adminToken = (await login.json()).token as string;
  const tokenRes = await fetch(`${url}/api/admin/enrollment-token`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const enrollmentToken = (await tokenRes.json()).enrollment_token as string;

  return {
    url,
    port,
    dataDir,
    databaseUrl: database.url || null,
    adminToken,
    enrollmentToken,
    output: () => earlier + server.process.output(),
    async stop() {
      await kill();
      if (ownsDataDir) {
        await Deno.remove(dataDir, { recursive: true }).catch(() => {});
        await database.created?.drop();
      }
    },
    async restart(whileStopped?: () => Promise<void>) {
      await kill();
      await whileStopped?.();
      await spawn();
    },
  };
}

/** Calls an admin endpoint and returns its JSON, throwing on a non-2xx reply. */
export async function adminFetch<T>(
  server: TestServer,
  path: string,
  init: RequestInit = {},
): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${server.adminToken}`);
  const res = await fetch(`${server.url}/api/admin${path}`, { ...init, headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Uploads a package zip as a new version (multipart, like the admin page). */
export async function uploadPackage(
  server: TestServer,
  zipPath: string,
  version: string,
  notes = "",
): Promise<AgentVersionRecord> {
  const form = new FormData();
  form.append("version", version);
  form.append("notes", notes);
  form.append("file", new Blob([await Deno.readFile(zipPath)]), `hangar-agent-${version}.zip`);
  return await adminFetch(server, "/agents/versions", { method: "POST", body: form });
}

export function markStable(
  server: TestServer,
  versionId: string,
  isStable = true,
): Promise<AgentVersionRecord> {
  return adminFetch(server, `/agents/versions/${versionId}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ is_stable: isStable }),
  });
}

export function listComputers(server: TestServer): Promise<ComputerSummary[]> {
  return adminFetch(server, "/computers");
}

export function getComputerErrors(
  server: TestServer,
  computerId: string,
): Promise<ComputerError[]> {
  return adminFetch(server, `/computers/${computerId}/errors`);
}

/** Enrolls an agent directly through the API; returns its credentials. */
export async function registerAgent(
  server: TestServer,
  hostname = "test-pc",
  agentVersion = "1.0.0",
): Promise<{ agent_id: string; agent_token: string }> {
  const res = await fetch(`${server.url}/api/agent/register`, {
    method: "POST",
    headers: { "content-type": "application/json", "enrollment-token": server.enrollmentToken },
    body: JSON.stringify({ hostname, os: "windows", agent_version: agentVersion }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return await res.json();
}

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
