/**
 * The OS settings the scenarios need, set by the bench itself rather than by
 * hand: a file-descriptor limit for the server and load processes (raised in
 * the `sh -c 'ulimit -n N; exec ...'` that starts them), and the few kernel
 * settings that cap how many loopback connections can be open and opened.
 */
import { progress } from "./report.ts";

/** The soft and hard RLIMIT_NOFILE of this process (children start with the same). */
export async function fileLimits(): Promise<{ soft: number; hard: number }> {
  const text = await Deno.readTextFile("/proc/self/limits");
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  const parse = (v: string | undefined) => v === undefined || v === "unlimited" ? 1 << 20 : +v;
  return { soft: parse(match?.[1]), hard: parse(match?.[2]) };
}

/**
 * The descriptor limit to start children with: `wanted`, capped by the hard
 * limit (raising the hard limit needs CAP_SYS_RESOURCE, which a container's
 * root may lack). Throws when even the hard limit is below `needed`.
 */
export async function childFileLimit(needed: number, wanted = 65_536): Promise<number> {
  const { hard } = await fileLimits();
  if (hard < needed) {
    throw new Error(
      `The hard open-file limit is ${hard}, below the ${needed} this scenario needs; ` +
        `raise it (ulimit -Hn, or LimitNOFILE in the container/service) or run with fewer agents`,
    );
  }
  return Math.min(wanted, hard);
}

async function readSysctl(path: string): Promise<string | null> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch {
    return null;
  }
}

async function writeSysctl(path: string, value: string, why: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, value);
    progress(`set ${path} = ${value} (${why})`);
  } catch (error) {
    progress(`cannot set ${path} = ${value} (${why}): ${(error as Error).message}; continuing`);
  }
}

/**
 * Raises the kernel settings `connections` loopback connections need, where
 * they are lower: the listen backlog (a burst of connects), the ephemeral
 * port range (each client socket takes a port) and the system-wide file limit.
 * Never lowers anything. (The usual Linux defaults, 4096 / 32768-60999 /
 * millions, already fit 10,000 agents.)
 */
export async function ensureKernelSettings(connections: number): Promise<void> {
  const backlog = await readSysctl("/proc/sys/net/core/somaxconn");
  if (backlog !== null && +backlog < 4096) {
    await writeSysctl("/proc/sys/net/core/somaxconn", "4096", "listen backlog for connect bursts");
  }
  const range = await readSysctl("/proc/sys/net/ipv4/ip_local_port_range");
  if (range !== null) {
    const [low, high] = range.split(/\s+/).map(Number);
    // Widened only as far as needed: ports below the range may belong to other servers.
    const needed = connections + 2000;
    if (high - low < needed) {
      const newLow = Math.max(1024, high - needed);
      await writeSysctl(
        "/proc/sys/net/ipv4/ip_local_port_range",
        `${newLow}\t${high}`,
        `${connections} client sockets need ephemeral ports`,
      );
    }
  }
  const fileMax = await readSysctl("/proc/sys/fs/file-max");
  if (fileMax !== null && +fileMax < connections * 4) {
    await writeSysctl("/proc/sys/fs/file-max", String(connections * 4), "system-wide open files");
  }
}

/**
 * Descriptors a server process needs besides its agents' held sockets: the
 * database, files, pipes, the runtime, and sockets of handshakes that timed out
 * or were retried while the fleet connects (a run of 19,000 under a limit of
 * 20,000 dropped 8,879 sockets while connecting; the headroom is a guess that
 * a second run tests).
 */
export const SERVER_SPARE_FILES = 2000;

export interface AgentCeiling {
  /** Agents one process can hold here (all of `wanted` when the limit allows). */
  agents: number;
  /** The hard RLIMIT_NOFILE. */
  hard: number;
  /** Why fewer than `wanted`, with the proof (the refused attempt to raise the limit); null when not capped. */
  why: string | null;
}

/**
 * How many of `wanted` agents one server process can hold under this
 * machine's hard open-file limit. When the limit is too low it tries to raise
 * it (`ulimit -Hn` in a shell, which needs CAP_SYS_RESOURCE) and reports what
 * the system answered, so a capped run says why instead of failing.
 */
export async function agentCeiling(wanted: number): Promise<AgentCeiling> {
  const { hard } = await fileLimits();
  const needed = wanted + SERVER_SPARE_FILES;
  if (hard >= needed) return { agents: wanted, hard, why: null };
  const attempt = await new Deno.Command("sh", {
    args: ["-c", `ulimit -Hn ${needed} && ulimit -Hn`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const answer = new TextDecoder().decode(attempt.success ? attempt.stdout : attempt.stderr)
    .trim();
  if (attempt.success && Number(answer) >= needed) {
    // A child may raise it after all (started with `ulimit -n` by spawnDeno).
    return { agents: wanted, hard: Number(answer), why: null };
  }
  const agents = Math.max(1, hard - SERVER_SPARE_FILES);
  return {
    agents,
    hard,
    why: `one server process holds one descriptor per agent: ${wanted} agents need ${needed}, ` +
      `but the hard open-file limit here is ${hard} and raising it was refused ` +
      `(sh: ulimit -Hn ${needed}: ${answer || `exit ${attempt.code}`}); ` +
      `ran ${agents} agents instead`,
  };
}
