/**
 * Child processes for the bench: started through `sh -c 'ulimit -n N; exec ...'`
 * so each gets the descriptor limit it needs, with the tail of their output
 * kept for error messages, and memory read from /proc.
 */

export interface BenchProcess {
  child: Deno.ChildProcess;
  /** The pid of the program itself (`exec` replaces the shell). */
  pid: number;
  /** The last 64 KiB of stderr (and of stdout unless the caller reads it). */
  tail(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  args: string[];
  env?: Record<string, string>;
  nofile: number;
  /** Hand stdout to the caller (the load process's event lines) instead of the tail. */
  pipeStdout?: boolean;
  stdin?: boolean;
}

const TAIL_BYTES = 64 * 1024;

/** Starts `deno <args>` with RLIMIT_NOFILE raised to `nofile`. */
export function spawnDeno(options: SpawnOptions): BenchProcess {
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      'ulimit -n "$1" && shift && exec "$@"',
      "sh",
      String(options.nofile),
      Deno.execPath(),
      ...options.args,
    ],
    env: options.env,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let tail = "";
  const decoder = new TextDecoder();
  const keep = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeTo(
      new WritableStream({
        write(chunk) {
          tail = (tail + decoder.decode(chunk, { stream: true })).slice(-TAIL_BYTES);
        },
      }),
    ).catch(() => {});
  keep(child.stderr);
  if (!options.pipeStdout) keep(child.stdout);
  let exited = false;
  child.status.then(() => exited = true);
  return {
    child,
    pid: child.pid,
    tail: () => tail,
    async stop() {
      if (exited) return;
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // exited in the meantime
        }
      }, 5_000);
      await child.status;
      clearTimeout(timer);
    },
  };
}

export interface Memory {
  /** Resident memory now, bytes. */
  rss: number;
  /** Peak resident memory since start or since `resetPeak`, bytes. */
  hwm: number;
}

/** VmRSS and VmHWM of `pid` from /proc/<pid>/status. */
export async function readMemory(pid: number): Promise<Memory> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kib("VmRSS") * 1024, hwm: kib("VmHWM") * 1024 };
}

/** Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs), so a phase's peak is its own. */
export async function resetPeak(pid: number): Promise<void> {
  await Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5");
}

/** How many descriptors `pid` has open. */
export async function openFiles(pid: number): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) count++;
  return count;
}

/** Samples `pid`'s RSS every `everyMs` until `stop()`; returns the highest seen. */
export function sampleRss(pid: number, everyMs = 200): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        max = Math.max(max, (await readMemory(pid)).rss);
      } catch {
        return; // the process is gone
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export const MiB = 1024 * 1024;

/**
 * Waits until `pid`'s RSS stops moving (two readings 2 s apart within 1%,
 * at most `maxMs`) and returns it: a server's memory right after start-up or
 * a burst of work still holds garbage that a later reading would not.
 */
export async function settledRss(pid: number, maxMs = 30_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = (await readMemory(pid)).rss;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2_000));
    const now = (await readMemory(pid)).rss;
    if (Math.abs(now - last) <= last * 0.01) return now;
    last = now;
  }
  return last;
}

/** CPU seconds (user + system) `pid` has used so far, from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the ")" that ends the command name; utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
