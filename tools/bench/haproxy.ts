/**
 * HAProxy in front of several Hangar instances, for the balancer test and the
 * bench's `balancer` scenario: one place writes the configuration (the one
 * docs/operations.md shows) and starts, reads and stops the balancer.
 */
import { join } from "node:path";
import { type ChildHandle, freePort, spawnChild } from "../process.ts";

export const HAPROXY_PATH = "/usr/sbin/haproxy";

/** Why a balancer run cannot happen here, or null when HAProxy is installed. */
export async function haproxyMissing(): Promise<string | null> {
  try {
    await Deno.stat(HAPROXY_PATH);
    return null;
  } catch {
    return `HAProxy is not installed at ${HAPROXY_PATH} (apt-get install haproxy)`;
  }
}

export interface Backend {
  /** The server's name in the configuration and in the statistics. */
  name: string;
  port: number;
}

export interface BalancerOptions {
  /** The port agents and admins use. */
  port: number;
  /** The port of HAProxy's statistics page (`/stats;csv`), on loopback. */
  statsPort: number;
  backends: Backend[];
  /** Connections HAProxy accepts at once (each WebSocket holds one). */
  maxconn: number;
}

/**
 * The tested configuration. WebSockets: HAProxy in HTTP mode passes the
 * `Upgrade` through and then tunnels the connection, which `timeout tunnel`
 * governs (the server pings idle agents well within it). Health: a server that
 * fails two checks of `GET /api/health` one second apart takes no new
 * connections; `option redispatch` sends a connection that could not reach a
 * dead server to another one. `leastconn` suits long-lived WebSockets.
 */
export function haproxyConfig(o: BalancerOptions): string {
  const servers = o.backends.map((b) =>
    `  server ${b.name} 127.0.0.1:${b.port} check inter 1s fall 2 rise 2 on-marked-down shutdown-sessions`
  );
  return [
    "global",
    `  maxconn ${o.maxconn}`,
    "",
    "defaults",
    "  mode http",
    "  option redispatch",
    "  retries 3",
    "  timeout connect 5s",
    "  timeout http-request 30s",
    "  timeout client 120s",
    "  timeout server 120s",
    "  timeout tunnel 1h",
    "  timeout client-fin 30s",
    "",
    "frontend hangar",
    `  bind 127.0.0.1:${o.port}`,
    `  maxconn ${o.maxconn}`,
    "  option forwardfor",
    "  default_backend hangar_servers",
    "",
    "backend hangar_servers",
    "  balance leastconn",
    "  option httpchk",
    "  http-check send meth GET uri /api/health",
    "  http-check expect status 200",
    ...servers,
    "",
    "frontend stats",
    `  bind 127.0.0.1:${o.statsPort}`,
    "  stats enable",
    "  stats uri /stats",
    "",
  ].join("\n");
}

export interface Balancer {
  url: string;
  /** One pid per HAProxy process (see `BalancerStart.processes`). */
  pids: number[];
  /** Current sessions per server (WebSockets and requests in flight), summed over the processes. */
  sessions(): Promise<Record<string, number>>;
  /** Health-check status per server ("UP", "DOWN", ...): "UP" only where every process says so. */
  status(): Promise<Record<string, string>>;
  /** The balancer's output so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface BalancerStart {
  /** Connections the balancer accepts at once, over all its processes (each WebSocket holds one). */
  maxconn?: number;
  /**
   * HAProxy processes sharing the listening port (the kernel spreads new connections over them
   * through SO_REUSEPORT, which HAProxy sets on its listeners). One process holds two descriptors
   * per proxied connection, so where the hard open-file limit is below twice the fleet, several
   * processes, each with its own limit, carry it. Default 1: in production, raise the limit.
   */
  processes?: number;
  /** The open-file limit each process starts with (`ulimit -n`). */
  nofile?: number;
}

/**
 * HAProxy processes `BalancerStart.processes` would need for `connections` connections when one
 * process may hold `nofile` descriptors: two per connection, and 1,000 spare.
 */
export function balancerProcessesFor(connections: number, nofile: number): number {
  return Math.max(1, Math.ceil((2 * connections) / Math.max(1, nofile - 1000)));
}

/** Writes the configuration into `dir` and starts HAProxy in the foreground. */
export async function startBalancer(
  dir: string,
  backends: Backend[],
  options: BalancerStart = {},
): Promise<Balancer> {
  const processes = options.processes ?? 1;
  const maxconn = Math.ceil((options.maxconn ?? 1000) / processes);
  const port = freePort();
  const children: { handle: ChildHandle; statsPort: number; exited: boolean }[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => c.handle.stop()));
  };
  // A refused configuration for a later process stops the ones already started.
  for (let i = 0; i < processes; i++) {
    const statsPort = freePort();
    const configPath = join(dir, `haproxy-${i + 1}.cfg`);
    await Deno.writeTextFile(configPath, haproxyConfig({ port, statsPort, backends, maxconn }));
    const check = await new Deno.Command(HAPROXY_PATH, { args: ["-c", "-f", configPath] })
      .output();
    if (!check.success) {
      await stop();
      throw new Error(
        `haproxy -c refused the configuration:\n${new TextDecoder().decode(check.stderr)}`,
      );
    }
    const handle = spawnChild(HAPROXY_PATH, {
      args: ["-db", "-f", configPath],
      nofile: options.nofile,
      keepChars: 32_000,
    });
    const entry = { handle, statsPort, exited: false };
    handle.child.status.then(() => entry.exited = true);
    children.push(entry);
  }

  const rows = async (statsPort: number): Promise<string[][]> => {
    const res = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`);
    if (!res.ok) throw new Error(`HAProxy statistics: ${res.status}`);
    const text = await res.text();
    return text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(","))
      .filter((r) => r[0] === "hangar_servers" && backends.some((b) => b.name === r[1]));
  };
  const everyProcess = () => Promise.all(children.map((c) => rows(c.statsPort)));
  const output = () => children.map((c) => c.handle.output()).join("\n");
  const balancer: Balancer = {
    url: `http://127.0.0.1:${port}`,
    pids: children.map((c) => c.handle.pid),
    // Columns of HAProxy's CSV: 0 pxname, 1 svname, 4 scur, 17 status.
    sessions: async () => {
      const total: Record<string, number> = {};
      for (const r of (await everyProcess()).flat()) {
        total[r[1]] = (total[r[1]] ?? 0) + Number(r[4]);
      }
      return total;
    },
    status: async () => {
      const status: Record<string, string> = {};
      for (const r of (await everyProcess()).flat()) {
        status[r[1]] = status[r[1]] === undefined || status[r[1]] === r[17] ? r[17] : "MIXED";
      }
      return status;
    },
    output,
    stop,
  };
  // Ready when every server passed its health check in every process.
  const deadline = Date.now() + 60_000;
  while (true) {
    if (children.some((c) => c.exited)) {
      await stop();
      throw new Error(`HAProxy exited during start-up:\n${output()}`);
    }
    try {
      const status = await balancer.status();
      if (backends.every((b) => status[b.name] === "UP")) return balancer;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`HAProxy's servers were not all UP in 60 s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Data dirs for `count` instances that share one packages folder: each
 * instance's `DATA_DIR/packages` is a link to `root/packages` (in production,
 * a shared volume mounted there).
 */
export async function sharedPackageDataDirs(root: string, count: number): Promise<string[]> {
  const shared = join(root, "packages");
  await Deno.mkdir(shared, { recursive: true });
  const dirs: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(root, `instance-${i + 1}`);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.symlink(shared, join(dir, "packages"));
    dirs.push(dir);
  }
  return dirs;
}
