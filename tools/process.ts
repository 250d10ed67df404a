/**
 * Child processes for the tests (tests/) and the bench (tools/bench/), written
 * once: a child with its output kept and its lines watched, stopped with
 * SIGTERM then SIGKILL; a Hangar server started on port 0 that reports the
 * port it got (no free-port probe, which races when tests run in parallel);
 * an agent package installed and enrolled; the processes of an install found
 * and stopped by PID. Product code does not import it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseManifest } from "../package/mod.ts";
import { extractZip } from "./release/zip.ts";

export interface ChildOptions {
  args: string[];
  env?: Record<string, string>;
  /** Raise RLIMIT_NOFILE to this first (`sh -c 'ulimit -n N; exec ...'`). */
  nofile?: number;
  /** Hand stdout to the caller (a protocol on stdout) instead of keeping it. */
  pipeStdout?: boolean;
  stdin?: boolean;
  /** Keep only the last this many characters of output; default: all of it. */
  keepChars?: number;
}

export interface ChildHandle {
  child: Deno.ChildProcess;
  /** The pid of the program itself (with `nofile`, `exec` replaces the shell). */
  pid: number;
  /** The output kept so far: stderr and (unless piped to the caller) stdout, interleaved. */
  output(): string;
  /**
   * The first output line (from now on) for which `match` returns a value;
   * fails when the process exits first or after `ms`, with the output so far.
   */
  waitForLine<T>(what: string, match: (line: string) => T | undefined, ms?: number): Promise<T>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

interface LineWatcher {
  match(line: string): boolean;
  fail(error: Error): void;
}

/** Starts `program` with `options.args`. */
export function spawnChild(program: string, options: ChildOptions): ChildHandle {
  const [command, args] = options.nofile === undefined ? [program, options.args] : [
    "sh",
    ["-c", 'ulimit -n "$1" && shift && exec "$@"', "sh", String(options.nofile), program]
      .concat(options.args),
  ];
  const child = new Deno.Command(command, {
    args,
    env: options.env,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const keepChars = options.keepChars ?? Infinity;
  let output = "";
  const watchers = new Set<LineWatcher>();
  const keep = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    let partial = "";
    try {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        output += text;
        if (output.length > keepChars) output = output.slice(-keepChars);
        const lines = (partial + text).split("\n");
        partial = lines.pop()!;
        for (const line of lines) {
          for (const watcher of watchers) if (watcher.match(line)) watchers.delete(watcher);
        }
      }
    } catch {
      // the stream broke with the process
    }
  };
  const reading = [keep(child.stderr)];
  if (!options.pipeStdout) reading.push(keep(child.stdout));
  let exited = false;
  const gone = child.status.then(async () => {
    exited = true;
    await Promise.all(reading);
  });
  gone.then(() => {
    for (const watcher of watchers) watcher.fail(new Error("exited"));
    watchers.clear();
  });

  return {
    child,
    pid: child.pid,
    output: () => output,
    waitForLine<T>(what: string, match: (line: string) => T | undefined, ms = 90_000) {
      const { promise, resolve, reject } = Promise.withResolvers<T>();
      const timer = setTimeout(() => {
        watchers.delete(watcher);
        reject(new Error(`No ${what} in ${ms} ms; the output so far:\n${output}`));
      }, ms);
      const watcher: LineWatcher = {
        match(line) {
          const value = match(line);
          if (value === undefined) return false;
          clearTimeout(timer);
          resolve(value);
          return true;
        },
        fail() {
          clearTimeout(timer);
          reject(new Error(`The process exited before ${what}:\n${output}`));
        },
      };
      if (exited) watcher.fail(new Error("exited"));
      else watchers.add(watcher);
      return promise;
    },
    async stop(graceMs = 5_000) {
      if (exited) return;
      const signal = (name: Deno.Signal) => {
        try {
          child.kill(name);
        } catch {
          // already gone
        }
      };
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      await child.status;
      clearTimeout(timer);
    },
  };
}

/** Starts `deno <args>` (this Deno). */
export function spawnDeno(options: ChildOptions): ChildHandle {
  return spawnChild(Deno.execPath(), options);
}

export interface ServerProcessOptions {
  /** The server's environment (DATA_DIR, DATABASE_URL, ADMIN_*...); PORT and HOST are set here. */
  env: Record<string, string>;
  /** 0 (the default): any free port, read back from the server's "listening" line. */
  port?: number;
  /** Deno flags before the script (`--v8-flags=...`, `--inspect=...`). */
  denoFlags?: string[];
  nofile?: number;
  keepChars?: number;
  /** How long start-up (migrations included) may take. */
  timeoutMs?: number;
}

export interface ServerProcess {
  process: ChildHandle;
  url: string;
  port: number;
}

const SERVER_MAIN = fileURLToPath(new URL("../server/main.ts", import.meta.url));

/**
 * Starts `server/main.ts` on 127.0.0.1 and waits for its "listening" log line
 * (written once the app serves), which names the port it got.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const process = spawnDeno({
    args: ["run", "--allow-all", ...options.denoFlags ?? [], SERVER_MAIN],
    env: { HOST: "127.0.0.1", ...options.env, PORT: String(options.port ?? 0) },
    nofile: options.nofile,
    keepChars: options.keepChars,
  });
  try {
    const port = await process.waitForLine('"listening" line', listeningPort, options.timeoutMs);
    return { process, url: `http://127.0.0.1:${port}`, port };
  } catch (error) {
    await process.stop();
    throw error;
  }
}

/** The port in the server's `{"msg":"listening","port":N}` log line. */
function listeningPort(line: string): number | undefined {
  if (!line.startsWith("{") || !line.includes('"listening"')) return undefined;
  try {
    const entry = JSON.parse(line);
    return entry.msg === "listening" && typeof entry.port === "number" ? entry.port : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A port free right now, for programs that cannot bind port 0 and report it
 * (PostgreSQL, HAProxy). Another process may take it before the caller binds
 * it; prefer port 0 wherever the program allows.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** True when `pid` runs and is not a zombie waiting to be reaped (Linux /proc). */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** PIDs of live processes whose command line names `text` (an install dir), this one aside. */
export function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      if (cmdline.includes(text) && isAlive(pid)) pids.push(pid);
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/**
 * Stops every process whose command line names `text` (an agent install's
 * agents and updaters, some started by the updater, not by us): SIGTERM, then
 * SIGKILL to those left after `graceMs`.
 */
export async function stopProcessesNaming(text: string, graceMs = 5_000): Promise<void> {
  const signal = (name: Deno.Signal) => {
    for (const pid of processesNaming(text)) {
      try {
        Deno.kill(pid, name);
      } catch {
        // already gone
      }
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (processesNaming(text).length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  signal("SIGKILL");
}

export interface AgentPackageInstall {
  /** The install dir (a new temp dir). */
  dir: string;
  /** The environment the install's processes run with. */
  env: Record<string, string>;
}

/**
 * Installs an agent package the way an operator would: unzip `zipPath` into
 * a new temp dir, mark the manifest's launchers executable, and run
 * `agent enroll` against the server at `url`. The dir is removed if enrolling fails.
 */
export async function installAgentPackage(options: {
  zipPath: string;
  url: string;
  enrollmentToken: string;
  /** The computer group to enroll in (`agent enroll --group`). */
  group?: string;
  prefix: string;
  /** Where the temp dir is made; default: the system's. */
  parentDir?: string;
  /** Extra environment for every agent process (the updater and later agents inherit it). */
  env?: Record<string, string>;
}): Promise<AgentPackageInstall> {
  const dir = await Deno.makeTempDir({ prefix: options.prefix, dir: options.parentDir });
  const env = { HANGAR_DENO: Deno.execPath(), NO_COLOR: "1", ...options.env };
  try {
    await extractZip(options.zipPath, dir);
    const manifest = parseManifest(await Deno.readFile(join(dir, "manifest.json")));
    for (const entry of [manifest.agent, manifest.updater]) {
      await Deno.chmod(join(dir, entry), 0o755);
    }
    const enroll = await new Deno.Command(join(dir, manifest.agent), {
      // `--token=` form: a generated token may start with "-", which parseArgs takes for an option.
      args: [
        "enroll",
        "--server",
        options.url,
        `--token=${options.enrollmentToken}`,
        ...(options.group ? ["--group", options.group] : []),
      ],
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!enroll.success) {
      throw new Error(`agent enroll failed: ${new TextDecoder().decode(enroll.stderr)}`);
    }
    return { dir, env };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}
