/**
 * What the bench measures of its child processes, from /proc: memory, open
 * descriptors, CPU time. Starting and stopping them: tools/process.ts.
 */

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
