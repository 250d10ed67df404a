/**
 * Helpers for the agent's process tests: enroll an install dir with the real
 * `agent enroll`, start `agent run` as a child process, read its log, build a
 * package whose updater is a stub that records its arguments, and a loopback
 * proxy that cuts or corrupts package downloads on their way to the agent.
 */
import { join } from "node:path";
import { ConfigFile } from "../agent/config.ts";
import { type MadePackage, makePackage } from "./helpers/make_package.ts";
import { listComputers, type TestServer, waitFor } from "./helpers/server_process.ts";
import { fileURLToPath } from "node:url";
import { spawnDeno } from "../tools/process.ts";

const AGENT_MAIN = fileURLToPath(new URL("../agent/main.ts", import.meta.url));

/** Runs the agent's CLI to completion. */
export async function runAgentCli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", AGENT_MAIN, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A temp install dir enrolled with `server` through `agent enroll`, tuned for fast tests. */
export async function enrolledInstallDir(
  server: TestServer,
  settings: Record<string, unknown> = {},
): Promise<{ dir: string; agentId: string; computerId: string }> {
  const dir = await Deno.makeTempDir({ prefix: "hangar-agent-" });
  const result = await runAgentCli([
    "enroll",
    "--server",
    server.url,
    "--token",
    server.enrollmentToken,
    "--install-dir",
    dir,
  ]);
  if (result.code !== 0) throw new Error(`enroll failed: ${result.stderr}`);
  const config = await ConfigFile.load(dir);
  const defaults = { ws_reconnect_max_s: 1, retry_max_s: 1, ...settings };
  for (const [key, value] of Object.entries(defaults)) await config.set(key, value);
  const agentId = config.get("agent_id");
  const computers = await listComputers(server);
  const computer = computers.find((c) => c.agent_id === agentId);
  if (!computer) throw new Error(`enrolled agent ${agentId} not listed`);
  return { dir, agentId, computerId: computer.id };
}

export interface AgentProcess {
  child: Deno.ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; returns the exit code. */
  stop(): Promise<number>;
  kill(): Promise<void>;
}

/** Starts `agent run --install-dir dir` as a child process. */
export function startAgent(dir: string, env: Record<string, string> = {}): AgentProcess {
  const agent = spawnDeno({
    args: ["run", "--allow-all", AGENT_MAIN, "run", "--install-dir", dir],
    env,
  });
  const child = agent.child;
  return {
    child,
    output: () => agent.output(),
    async stop() {
      await agent.stop();
      return (await child.status).code;
    },
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await child.status;
    },
  };
}

export function readAgentLog(dir: string): string {
  try {
    return Deno.readTextFileSync(join(dir, "logs", "agent.log"));
  } catch {
    return "";
  }
}

/** Waits until the agent's log has `count` lines matching `pattern`. */
export function waitForLog(dir: string, pattern: RegExp, count = 1, ms = 30_000) {
  return waitFor(`${count}× ${pattern} in the agent log`, () => {
    const lines = readAgentLog(dir).split("\n").filter((l) => pattern.test(l));
    return lines.length >= count ? lines : undefined;
  }, ms);
}

/** A deterministic filler that does not compress away, so downloads take a few chunks. */
export function filler(size: number): Uint8Array {
  let x = 2463534242;
  return new Uint8Array(size).map(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
}

/**
 * A portable package whose updater only writes its arguments to
 * `_update/updater/args.txt` and lingers 3 s (an updater that exits at once
 * counts as a failed launch).
 */
export function stubPackage(
  version: string,
  outPath: string,
  payloadBytes = 0,
): Promise<MadePackage> {
  return makePackage({
    version,
    files: {
      "agent": "#!/bin/sh\nexit 0\n",
      "agent.js": filler(payloadBytes),
      "updater": `#!/bin/sh\nprintf '%s\\n' "$@" > "$(dirname "$0")/args.txt"\nsleep 3\n`,
      "updater.cmd": "@echo off\r\n",
    },
  }, outPath);
}

export interface ProxyOptions {
  /** Cut the first package response after this many bytes. */
  cutFirstAfter?: number;
  /** Flip the byte at this offset of every package response. */
  flipByteAt?: number;
}

/** A loopback HTTP proxy to `target` that tampers with package downloads as told. */
export function startProxy(target: string, options: ProxyOptions) {
  const ranges: (string | null)[] = [];
  let packageRequests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const upstream = await fetch(target + url.pathname + url.search, {
      method: req.method,
      headers: req.headers,
      body: req.body,
    });
    if (!url.pathname.includes("/agent-packages/") || !upstream.body) return upstream;
    ranges.push(req.headers.get("range"));
    const cut = packageRequests++ === 0 ? options.cutFirstAfter : undefined;
    let offset = 0;
    const reader = upstream.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        const chunk = value.slice();
        const flip = options.flipByteAt;
        if (flip !== undefined && flip >= offset && flip < offset + chunk.length) {
          chunk[flip - offset] ^= 0xff;
        }
        if (cut !== undefined && offset + chunk.length >= cut) {
          controller.enqueue(chunk.subarray(0, cut - offset));
          await reader.cancel();
          await new Promise((r) => setTimeout(r, 50));
          // Erroring the stream drops the connection mid-body, as a network cut does.
          controller.error(new Error("proxy cut the download"));
          return;
        }
        offset += chunk.length;
        controller.enqueue(chunk);
      },
    });
    return new Response(body, { status: upstream.status, headers: upstream.headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    /** The Range header of each package request, in order. */
    ranges,
    close: () => server.shutdown(),
  };
}
