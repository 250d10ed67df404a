/**
 * End-to-end setups for the download and failed-update tests: real portable
 * packages (optionally padded to a size), a server process, and a real agent
 * installed from the first version whose every request goes through a TCP
 * proxy (tcp_proxy.ts) that plays a bad link on package downloads. The agent
 * polls (no WebSocket) on a short interval, so tests drive it by marking
 * versions stable.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  buildPackage,
  type BuiltPackage,
  refreshManifest,
  zipPackage,
} from "../../tools/release/build_package.ts";
import { AgentInstall, type InstallOptions } from "./install_agent.ts";
import { startServer, type TestServer, waitFor } from "./server_process.ts";
import { startTcpProxy, type TcpProxy, type TcpProxyOptions } from "./tcp_proxy.ts";
import { withLogs } from "./e2e_setup.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ProxiedE2E {
  work: string;
  server: TestServer;
  proxy: TcpProxy;
  agent: AgentInstall;
  close(): Promise<void>;
}

/**
 * Builds a portable package of `version` in `work`; `padBytes` of random data
 * (or zeros, which the zip squeezes to almost nothing) make it that much bigger
 * once installed; `edit` changes the package's files before it is zipped.
 */
export async function portablePackage(
  work: string,
  version: string,
  padBytes = 0,
  options: { zeros?: boolean; edit?: (packageDir: string) => Promise<void> } = {},
): Promise<BuiltPackage> {
  const built = await buildPackage({
    root: ROOT,
    version,
    target: "portable",
    outDir: join(work, "dist"),
    // These tests fake a full disk through the test switch (agent/test_hooks.ts).
    testHooks: true,
  });
  if (padBytes === 0 && !options.edit) return built;
  await options.edit?.(built.packageDir);
  if (padBytes > 0) {
    const padding = join(built.packageDir, "padding.bin");
    if (options.zeros) await Deno.writeFile(padding, new Uint8Array(padBytes));
    else await writeRandom(padding, padBytes);
    const manifestPath = join(built.packageDir, "manifest.json");
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    manifest.files.push({ path: "padding.bin", sha256: "0".repeat(64), size: 0 });
    await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
  }
  await refreshManifest(built.packageDir);
  await zipPackage(built.packageDir, built.zipPath);
  const bytes = await Deno.readFile(built.zipPath);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { ...built, size: bytes.length, sha256 };
}

async function writeRandom(path: string, size: number): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    const block = new Uint8Array(65536);
    for (let left = size; left > 0; left -= block.length) {
      crypto.getRandomValues(block);
      await file.write(block.subarray(0, Math.min(left, block.length)));
    }
  } finally {
    file.close();
  }
}

export interface ProxiedOptions extends InstallOptions {
  prefix: string;
  /** The package to install first. */
  first: BuiltPackage;
  work: string;
  proxy?: TcpProxyOptions;
  serverEnv?: Record<string, string>;
  parentDir?: string;
}

/** Starts the server and the proxy, installs `first` pointed at the proxy, waits for its health. */
export async function setUpProxiedAgent(options: ProxiedOptions): Promise<ProxiedE2E> {
  let server: TestServer | undefined;
  let proxy: TcpProxy | undefined;
  let agent: AgentInstall | undefined;
  const close = async () => {
    await agent?.cleanup();
    await proxy?.close();
    await server?.stop();
    await Deno.remove(options.work, { recursive: true }).catch(() => {});
  };
  try {
    server = await startServer({ env: options.serverEnv });
    proxy = startTcpProxy(server.url, options.proxy);
    agent = await AgentInstall.create(options.first.zipPath, server, {
      env: options.env,
      parentDir: options.parentDir,
      config: {
        server_url: proxy.url,
        ws_enabled: false,
        check_interval_s: 2,
        retry_max_s: 2,
        ...options.config,
      },
    });
    agent.start();
    const installed = agent;
    const version = options.first.version;
    await withLogs(agent, waitFor(`${version} health`, () => installed.healthyAt(version), 60_000));
    return { work: options.work, server, proxy, agent, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** SIGKILLs every process of the install (agents, updaters), as a power cut would. */
export async function killAll(agent: AgentInstall): Promise<void> {
  for (const pid of agent.processes()) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await waitFor("the install's processes gone", () => {
    return Promise.resolve(agent.processes().length === 0 ? true : undefined);
  }, 10_000);
}
