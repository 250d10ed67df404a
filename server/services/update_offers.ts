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
import { inCohort } from "./rollout_cohort.ts";
import type { Rollouts } from "./rollouts.ts";

/** Entries a memo holds before it starts over (distinct version pairs are few in practice). */
const MEMO_LIMIT = 1000;

/** `compare(a, b)` for version strings, remembered per pair (a pure function of the strings). */
function memoised(compare: (a: string, b: string) => boolean): (a: string, b: string) => boolean {
  const memo = new Map<string, boolean>();
  return (a, b) => {
    const key = `${a} ${b}`;
    let result = memo.get(key);
    if (result === undefined) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      result = compare(a, b);
      memo.set(key, result);
    }
    return result;
  };
}

const isGreater = memoised((a, b) => semver.gt(a, b));
const isAtMost = memoised((a, b) => semver.lte(a, b));

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
    const policy = await this.policies.get(computerId);
    if (!policy || policy.updates_paused) return null;
    const pin = policy.pinned_version;
    const newer = (row: AgentVersionRow) => current === null || isGreater(row.version, current);
    const withinPin = (row: AgentVersionRow) => pin === null || isAtMost(row.version, pin);

    let offer: AgentVersionRow | null = null;
    const rollout = this.rollouts.active;
    if (
      rollout?.status === "running" && inCohort(rollout.cohort, rollout.id, policy) &&
      newer(rollout.version) && withinPin(rollout.version)
    ) {
      offer = rollout.version;
    } else {
      const stable = await this.versions.latestStableAtMost(pin);
      if (stable && newer(stable)) offer = stable;
    }
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
