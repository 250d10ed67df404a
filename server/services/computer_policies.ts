/**
 * What check_update needs per computer (group, pin, pause, download limit),
 * kept in memory so the hottest route costs no query once a computer has been
 * seen. An admin's change drops the entry on every instance (the notifier);
 * entries also expire after `ttlMs` in case a notification was lost.
 */
import type { Db } from "../db/db.ts";
import { type ComputerPolicy, listComputerPolicies } from "../db/computer_settings.ts";

const CACHE_LIMIT = 200_000;
export const POLICY_TTL_MS = 60_000;
/**
 * Policies not cached (after a start, or the fleet's first checks after a version
 * is marked stable) are read in batches: at most LOAD_LANES statements at once,
 * each for up to LOAD_BATCH computers, gathering the ids that arrived while the
 * others ran. One statement per computer queued 10,000 reads in the embedded
 * database's worker during a stampede (issue 17, item 5).
 */
const LOAD_LANES = 4;
const LOAD_BATCH = 1000;

export class ComputerPolicies {
  #cache = new Map<string, { policy: ComputerPolicy; loadedAt: number }>();
  #queued = new Map<string, PromiseWithResolvers<ComputerPolicy | null>>();
  #lanesBusy = 0;
  /** Statements sent to read policies (for tests). */
  loadStatements = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = POLICY_TTL_MS,
  ) {}

  /** The computer's policy, or null when it does not exist. */
  async get(computerId: string): Promise<ComputerPolicy | null> {
    const cached = this.#cache.get(computerId);
    const now = this.now();
    if (cached && now - cached.loadedAt <= this.ttlMs) return cached.policy;
    const policy = await this.#load(computerId);
    if (!policy) {
      this.#cache.delete(computerId);
      return null;
    }
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(computerId, { policy, loadedAt: now });
    return policy;
  }

  /** The cached policy while it is fresh, without a promise; undefined when `get` must load it. */
  getNow(computerId: string): ComputerPolicy | undefined {
    const cached = this.#cache.get(computerId);
    if (cached && this.now() - cached.loadedAt <= this.ttlMs) return cached.policy;
    return undefined;
  }

  /** The cached policy without a query (null when not cached). */
  peek(computerId: string): ComputerPolicy | null {
    return this.#cache.get(computerId)?.policy ?? null;
  }

  invalidate(computerId: string): void {
    this.#cache.delete(computerId);
  }

  #load(computerId: string): Promise<ComputerPolicy | null> {
    const queued = this.#queued.get(computerId);
    if (queued) return queued.promise;
    const waiter = Promise.withResolvers<ComputerPolicy | null>();
    this.#queued.set(computerId, waiter);
    this.#pump();
    return waiter.promise;
  }

  /** Sends queued reads while a lane is free, each statement taking what has queued. */
  #pump(): void {
    while (this.#lanesBusy < LOAD_LANES && this.#queued.size > 0) {
      const batch = new Map<string, PromiseWithResolvers<ComputerPolicy | null>>();
      for (const [id, waiter] of this.#queued) {
        this.#queued.delete(id);
        batch.set(id, waiter);
        if (batch.size >= LOAD_BATCH) break;
      }
      this.#lanesBusy++;
      this.loadStatements++;
      listComputerPolicies(this.db, [...batch.keys()]).then(
        (rows) => {
          const found = new Map(rows.map((row) => [row.id, row]));
          for (const [id, waiter] of batch) waiter.resolve(found.get(id) ?? null);
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
