/**
 * Versions held back after a failed update, so a broken release that stays
 * stable cannot make a computer loop through download, verify, swap and
 * rollback. Every failure of an attempt — on the agent's side or the
 * updater's — holds its version back: `firstHoldMs` after the first failure,
 * twice as long after each further one, up to `maxHoldMs` (±10% jitter, so a
 * fleet does not retry in step). With the defaults (1 h, 24 h) a computer
 * spends at most 5 attempts on a broken version on the first day and one a
 * day after that. Other versions go ahead; versions at or below the running
 * one are forgotten. Kept in `config/failed_update.json`, which updates never move.
 */
import { isNewerVersion, isValidVersion } from "../../package/version.ts";
import { readTextIfExists, writeJsonAtomic } from "../atomic_file.ts";
import { jitter } from "../backoff.ts";

export interface HeldVersion {
  version: string;
  failures: number;
  error_type: string;
  first_failed_at: string;
  last_failed_at: string;
  hold_until: string;
}

export interface HoldRule {
  firstHoldMs: number;
  maxHoldMs: number;
}

export class HeldVersions {
  #held: Map<string, HeldVersion>;

  private constructor(readonly path: string, held: HeldVersion[]) {
    this.#held = new Map(held.map((h) => [h.version, h]));
  }

  /** Reads the record; an unreadable one holds nothing back (it must not block updates for good). */
  static async load(path: string): Promise<HeldVersions> {
    const text = await readTextIfExists(path);
    let held: HeldVersion[] = [];
    try {
      const parsed = text === null ? null : JSON.parse(text);
      if (Array.isArray(parsed?.versions)) held = parsed.versions.filter(isHeldVersion);
    } catch {
      held = [];
    }
    return new HeldVersions(path, held);
  }

  /** The hold on `version` at `now`, or null when it may be tried. */
  heldBack(version: string, now = Date.now()): HeldVersion | null {
    const held = this.#held.get(version);
    return held && now < Date.parse(held.hold_until) ? held : null;
  }

  get(version: string): HeldVersion | undefined {
    return this.#held.get(version);
  }

  /** Counts one more failed attempt at `version` and holds it back; returns the hold. */
  async recordFailure(
    version: string,
    errorType: string,
    rule: HoldRule,
    now = Date.now(),
  ): Promise<HeldVersion> {
    const before = this.#held.get(version);
    const failures = (before?.failures ?? 0) + 1;
    const holdMs = jitter(
      Math.min(rule.maxHoldMs, rule.firstHoldMs * 2 ** Math.min(failures - 1, 30)),
    );
    const at = new Date(now).toISOString();
    const held: HeldVersion = {
      version,
      failures,
      error_type: errorType,
      first_failed_at: before?.first_failed_at ?? at,
      last_failed_at: at,
      hold_until: new Date(now + holdMs).toISOString(),
    };
    this.#held.set(version, held);
    await this.#save();
    return held;
  }

  /** Forgets versions at or below `running`: they are installed or older. */
  async forgetUpTo(running: string): Promise<void> {
    let changed = false;
    for (const version of [...this.#held.keys()]) {
      if (!isValidVersion(version) || !isNewerVersion(version, running)) {
        this.#held.delete(version);
        changed = true;
      }
    }
    if (changed) await this.#save();
  }

  async #save(): Promise<void> {
    await writeJsonAtomic(this.path, { versions: [...this.#held.values()] });
  }
}

function isHeldVersion(value: unknown): value is HeldVersion {
  const h = value as HeldVersion;
  return typeof h?.version === "string" && Number.isInteger(h.failures) &&
    typeof h.error_type === "string" && !Number.isNaN(Date.parse(h.hold_until)) &&
    !Number.isNaN(Date.parse(h.last_failed_at)) && !Number.isNaN(Date.parse(h.first_failed_at));
}
