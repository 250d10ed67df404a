/**
 * Rows read by key, gathered into few statements: at most `lanes` statements at
 * once, each for up to `batchSize` keys, taking the keys asked for in the same
 * turn of the event loop and those that queued while every lane was busy. One
 * statement per key capped a restart's reconnects (issue 17, item 2) and queued
 * 10,000 reads in the embedded database's worker during a stampede (item 5);
 * agent credentials and computer policies are read this way.
 */
export class BatchedReads<T> {
  #queued = new Map<string, PromiseWithResolvers<T | null>>();
  #lanesBusy = 0;
  #pumpScheduled = false;
  /** Statements sent (tests and the bench count them). */
  statements = 0;

  /** `readMany` answers the rows found for some keys (a missing key: no such row). */
  constructor(
    private readonly readMany: (keys: string[]) => Promise<Map<string, T>>,
    private readonly lanes = 4,
    private readonly batchSize = 1000,
  ) {}

  /** The row for `key`, or null when there is none; fails when its statement fails. */
  read(key: string): Promise<T | null> {
    const queued = this.#queued.get(key);
    if (queued) return queued.promise;
    const waiter = Promise.withResolvers<T | null>();
    this.#queued.set(key, waiter);
    if (!this.#pumpScheduled) {
      this.#pumpScheduled = true;
      queueMicrotask(() => {
        this.#pumpScheduled = false;
        this.#pump();
      });
    }
    return waiter.promise;
  }

  /** Sends queued keys while a lane is free, each statement taking what has queued. */
  #pump(): void {
    while (this.#lanesBusy < this.lanes && this.#queued.size > 0) {
      const batch = new Map<string, PromiseWithResolvers<T | null>>();
      for (const [key, waiter] of this.#queued) {
        this.#queued.delete(key);
        batch.set(key, waiter);
        if (batch.size >= this.batchSize) break;
      }
      this.#lanesBusy++;
      this.statements++;
      this.readMany([...batch.keys()]).then(
        (found) => {
          for (const [key, waiter] of batch) waiter.resolve(found.get(key) ?? null);
        },
        (error) => {
          for (const waiter of batch.values()) waiter.reject(error);
        },
      ).finally(() => {
        this.#lanesBusy--;
        this.#pump();
      });
    }
  }
}
