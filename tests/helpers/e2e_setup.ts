/**
 * The common start of the end-to-end update tests: build portable packages
 * of the versions a test needs (once per test file), start a server process
 * with its own temp data dir and embedded database, install the first
 * version from its zip, enroll it, start it, and wait until it is healthy
 * (and, with its WebSocket on, online).
 */
import { join } from "node:path";
import type { ComputerSummary } from "../../protocol/mod.ts";
import {
  type BuildOptions,
  buildPackage,
  type BuiltPackage,
} from "../../tools/release/build_package.ts";
import { AgentInstall, type InstallOptions } from "./install_agent.ts";
import { listComputers, startServer, type TestServer, waitFor } from "./server_process.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface E2E {
  work: string;
  server: TestServer;
  agent: AgentInstall;
  /** The built packages by version; the first one is installed. */
  packages: Record<string, BuiltPackage>;
  /** The server's Postgres database, or null for its embedded one under `server.dataDir`. */
  databaseUrl: string | null;
  close(): Promise<void>;
}

export interface E2EOptions extends InstallOptions {
  prefix: string;
  versions: string[];
  /** More build options for every package (a signing key, trusted keys). */
  build?: Pick<BuildOptions, "signingKey" | "trustedKeys">;
  /** More environment for the server (e.g. TRUSTED_KEYS). */
  serverEnv?: Record<string, string>;
}

export async function setUpE2E(options: E2EOptions): Promise<E2E> {
  const work = await Deno.makeTempDir({ prefix: `hangar-e2e-${options.prefix}-` });
  let server: TestServer | undefined;
  let agent: AgentInstall | undefined;
  const close = async () => {
    await agent?.cleanup();
    await server?.stop();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  };
  try {
    const packages: Record<string, BuiltPackage> = {};
    for (const version of options.versions) {
      packages[version] = await buildPackage({
        root: ROOT,
        version,
        target: "portable",
        outDir: join(work, "dist"),
        // The end-to-end tests fake a full disk or kill the updater through the test switches.
        testHooks: true,
        ...options.build,
      });
    }
    // startServer gives each server a database of its own (a fresh one on DATABASE_URL's
    // Postgres, as in CI, else the embedded one): these tests run in parallel.
    server = await startServer({ env: options.serverEnv });
    const first = options.versions[0];
    agent = await AgentInstall.create(packages[first].zipPath, server, options);
    agent.start();
    const installed = agent;
    await withLogs(agent, waitFor(`${first} health`, () => installed.healthyAt(first), 30_000));
    if (options.config?.ws_enabled !== false) {
      await waitForComputer(server, agent.computerId, "online", (c) => c.online);
    }
    return { work, server, agent, packages, databaseUrl: server.databaseUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Waits until the server's view of the computer satisfies `ok`. */
export function waitForComputer(
  server: TestServer,
  computerId: string,
  what: string,
  ok: (computer: ComputerSummary) => boolean,
  ms = 30_000,
): Promise<ComputerSummary> {
  return waitFor(`computer ${what}`, async () => {
    const computer = (await listComputers(server)).find((c) => c.id === computerId);
    return computer && ok(computer) ? computer : undefined;
  }, ms);
}

/** Adds the install's logs to the error when `promise` fails. */
export async function withLogs<T>(agent: AgentInstall, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await agent.logs()}`, { cause: error });
  }
}

/**
 * Waits until `check` has returned the same defined value (compared as JSON)
 * for `holdMs` in a row: the state has settled, not just passed by.
 */
export async function waitForSteady<T>(
  what: string,
  check: () => Promise<T | undefined>,
  holdMs: number,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let since = 0;
  let last: string | undefined;
  while (Date.now() < deadline) {
    const value = await check();
    const key = value === undefined ? undefined : JSON.stringify(value);
    if (key === undefined || key !== last) since = Date.now();
    last = key;
    if (value !== undefined && Date.now() - since >= holdMs) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what} to hold for ${holdMs} ms`);
}
