/**
 * A deadline on work the caller cannot cancel (a query to a database that went
 * away). The work goes on; the caller stops waiting and can answer otherwise.
 */

export class DeadlineExceeded extends Error {
  constructor(readonly what: string, readonly ms: number) {
    super(`${what} took longer than ${ms} ms`);
    this.name = "DeadlineExceeded";
  }
}

/** Resolves as `work` does, or rejects with DeadlineExceeded after `ms`. */
export function boundedWait<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
