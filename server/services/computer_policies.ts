/**
 * What check_update needs per computer (group, pin, pause, download limit),
 * kept in memory so the hottest route costs no query once a computer has been
 * seen. An admin's change drops the entry on every instance (the notifier);
 * entries also expire after `ttlMs` in case a notification was lost.
 */
import type { Db } from "../db/db.ts";
import { type ComputerPolicy, listComputerPolicies } from "../db/computer_settings.ts";
import { BatchedReads } from "./batched_reads.ts";

const CACHE_LIMIT = 200_000;
export const POLICY_TTL_MS = 60_000;

export class ComputerPolicies {
  #cache = new Map<string, { policy: ComputerPolicy; loadedAt: number }>();
  /** Invalidations so far: a read that saw one happen meanwhile does not cache its row. */
  #generation = 0;
  /**
   * Policies not cached (after a start, or the fleet's first checks after a version
   * is marked stable) are read in batches.
   */
  readonly #reads = new BatchedReads<ComputerPolicy>(async (ids) => {
    const rows = await listComputerPolicies(this.db, ids);
    return new Map(rows.map((row) => [row.id, row]));
  });

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
    const generation = this.#generation;
    const policy = await this.#reads.read(computerId);
    if (!policy) {
      this.#cache.delete(computerId);
      return null;
    }
    // A change invalidated while this read was under way: the row may predate it, so it
    // answers this caller but is not kept (the next check reads again).
    if (generation !== this.#generation) return policy;
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
    this.#generation++;
    this.#cache.delete(computerId);
  }

  /** Statements sent to read policies (for tests). */
  get loadStatements(): number {
    return this.#reads.statements;
  }
}
