/** Bounded concurrency for the load process: never more than `limit` tasks in flight. */

/** Runs `task(i)` for i in [0, count) with at most `limit` at once; resolves when all settle. */
export async function forEachLimited(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Runs `limit` workers calling `task(worker, n)` repeatedly until `ms` have passed. */
export async function loopFor(
  ms: number,
  limit: number,
  task: (worker: number, n: number) => Promise<void>,
): Promise<void> {
  const deadline = performance.now() + ms;
  const worker = async (w: number) => {
    for (let n = 0; performance.now() < deadline; n++) await task(w, n);
  };
  await Promise.all(Array.from({ length: limit }, (_, w) => worker(w)));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Milliseconds on the wall clock with sub-ms precision, comparable across processes. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** At most `limit` holders at once; the rest wait in line. */
export class Semaphore {
  #free: number;
  #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
