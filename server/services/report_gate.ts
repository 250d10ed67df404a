/**
 * A process-wide bound on error reports being stored at once (issue 13, item 3:
 * one agent cannot slow the server for the others). At most `maxConcurrent`
 * report-store transactions are in the database at a time; the next ones wait
 * here, on the server thread, in arrival order, for at most `maxWaitMs`. A
 * report that could not start by then gets `null` and the route answers 503
 * `busy` with `Retry-After`: the agent keeps it in its buffer and sends it
 * again. Everything else the database does (the admin list, check_update)
 * then queues behind at most `maxConcurrent` reports, never behind a flood.
 */
export interface ReportGateOptions {
  maxConcurrent: number;
  maxWaitMs: number;
}

/** Reports waiting beyond this many are refused at once (their bodies are held in memory). */
const MAX_WAITING = 1000;

export class ReportGate {
  #running = 0;
  readonly #waiting: Array<{ admit: () => void; timer: ReturnType<typeof setTimeout> }> = [];

  constructor(private readonly options: ReportGateOptions) {}

  /** Runs `fn` once a slot is free; `null` (nothing run) when none freed up within the wait. */
  async run<T>(fn: () => Promise<T>): Promise<T | null> {
    if (!await this.#enter()) return null;
    try {
      return await fn();
    } finally {
      this.#leave();
    }
  }

  #enter(): Promise<boolean> {
    if (this.#running < this.options.maxConcurrent) {
      this.#running++;
      return Promise.resolve(true);
    }
    if (this.#waiting.length >= MAX_WAITING || this.options.maxWaitMs === 0) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const entry = {
        admit: () => {
          clearTimeout(entry.timer);
          resolve(true);
        },
        timer: setTimeout(() => {
          this.#waiting.splice(this.#waiting.indexOf(entry), 1);
          resolve(false);
        }, this.options.maxWaitMs),
      };
      this.#waiting.push(entry);
    });
  }

  #leave(): void {
    const next = this.#waiting.shift();
    if (next) next.admit(); // the slot passes straight on
    else this.#running--;
  }
}
