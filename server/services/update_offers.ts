/**
 * check_update's decision for one computer (DESIGN.md), in order: a paused
 * computer gets nothing; a computer in the running rollout's cohort gets its
 * version when newer and not above its pin; else the highest stable version
 * newer than it and not above its pin; else nothing. Everything it reads is in
 * memory (the computer's policy after its first check, the active rollout,
 * the version list), so the hottest route costs no query. A fleet sends a
 * handful of distinct version strings, so each version comparison and each
 * reply body is computed once and then looked up.
 */
import semver from "semver";
import type { UpdateInfo } from "../../protocol/mod.ts";
import type { AgentVersionRow } from "../db/agent_versions.ts";
import type { AgentVersions } from "./agent_versions.ts";
import type { ComputerPolicies } from "./computer_policies.ts";
import type { ComputerPolicy } from "../db/computer_settings.ts";
import { inCohort } from "./rollout_cohort.ts";
import type { Rollouts } from "./rollouts.ts";

/** Entries a memo level holds before it starts over (distinct versions are few in practice). */
const MEMO_LIMIT = 1000;

/**
 * `compare(a, b)` for version strings, remembered per pair (a pure function of the strings).
 * Keyed by `a`, then `b`: no key string is built per call (check_update asks on every request).
 */
function memoised(compare: (a: string, b: string) => boolean): (a: string, b: string) => boolean {
  const memo = new Map<string, Map<string, boolean>>();
  return (a, b) => {
    let byB = memo.get(a);
    if (byB === undefined) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(a, byB = new Map());
    }
    let result = byB.get(b);
    if (result === undefined) {
      if (byB.size >= MEMO_LIMIT) byB.clear();
      result = compare(a, b);
      byB.set(b, result);
    }
    return result;
  };
}

const isGreater = memoised((a, b) => semver.gt(a, b));
const isAtMost = memoised((a, b) => semver.lte(a, b));
const newer = (row: AgentVersionRow, current: string | null) =>
  current === null || isGreater(row.version, current);

export class UpdateOffers {
  /** The JSON reply per offered version row (a reloaded list has new rows) and download limit. */
  #replies = new WeakMap<AgentVersionRow, Map<number | null, string>>();

  constructor(
    private readonly versions: AgentVersions,
    private readonly policies: ComputerPolicies,
    private readonly rollouts: Rollouts,
    /** AGENT_DOWNLOAD_LIMIT_KBPS: the limit for computers without their own; null: none. */
    private readonly defaultLimitKbps: number | null,
  ) {}

  /**
   * What the computer on `current` (null: unknown) should install, as the
   * `UpdateInfo` JSON reply, or null (204).
   */
  async checkUpdate(computerId: string, current: string | null): Promise<string | null> {
    const now = this.checkUpdateNow(computerId, current);
    if (now !== undefined) return now;
    const policy = await this.policies.get(computerId);
    if (!policy || policy.updates_paused) return null;
    const viaRollout = this.#rolloutOffer(policy, current);
    if (viaRollout) return this.#reply(policy, viaRollout);
    const stable = await this.versions.latestStableAtMost(policy.pinned_version);
    return this.#reply(policy, stable && newer(stable, current) ? stable : null);
  }

  /**
   * `checkUpdate` from memory alone, without a promise: undefined when the
   * computer's policy or the version list must be read first. This is the
   * path nearly every check takes.
   */
  checkUpdateNow(computerId: string, current: string | null): string | null | undefined {
    const policy = this.policies.getNow(computerId);
    if (policy === undefined) return undefined;
    if (policy.updates_paused) return null;
    const viaRollout = this.#rolloutOffer(policy, current);
    if (viaRollout) return this.#reply(policy, viaRollout);
    const stable = this.versions.latestStableAtMostNow(policy.pinned_version);
    if (stable === undefined) return undefined;
    return this.#reply(policy, stable && newer(stable, current) ? stable : null);
  }

  /** The running rollout's version when the computer is in its cohort and may take it. */
  #rolloutOffer(policy: ComputerPolicy, current: string | null): AgentVersionRow | null {
    const rollout = this.rollouts.active;
    if (rollout?.status !== "running" || !inCohort(rollout.cohort, rollout.id, policy)) {
      return null;
    }
    const pin = policy.pinned_version;
    const version = rollout.version;
    if (!newer(version, current) || (pin !== null && !isAtMost(version.version, pin))) return null;
    return version;
  }

  /** The JSON reply offering `offer` (null: nothing, 204), made once per version and limit. */
  #reply(policy: ComputerPolicy, offer: AgentVersionRow | null): string | null {
    if (!offer) return null;
    const limit = policy.download_limit_kbps ?? this.defaultLimitKbps;
    let byLimit = this.#replies.get(offer);
    if (!byLimit) this.#replies.set(offer, byLimit = new Map());
    let reply = byLimit.get(limit);
    if (reply === undefined) {
      const info: UpdateInfo = {
        version: offer.version,
        download_url: offer.download_url,
        checksum_sha256: offer.checksum_sha256,
        file_size: offer.file_size,
        ...(limit !== null ? { download_limit_kbps: limit } : {}),
      };
      reply = JSON.stringify(info);
      if (byLimit.size >= MEMO_LIMIT) byLimit.clear();
      byLimit.set(limit, reply);
    }
    return reply;
  }
}
