/**
 * check_update's decision for one computer (DESIGN.md), in order: a paused
 * computer gets nothing; a computer in the running rollout's cohort gets its
 * version when newer and not above its pin; else the highest stable version
 * newer than it and not above its pin; else nothing. Everything it reads is in
 * memory (the computer's policy after its first check, the active rollout,
 * the version list), so the hottest route costs no query.
 */
import semver from "semver";
import type { UpdateInfo } from "../../protocol/mod.ts";
import type { AgentVersionRow } from "../db/agent_versions.ts";
import type { AgentVersions } from "./agent_versions.ts";
import type { ComputerPolicies } from "./computer_policies.ts";
import { inCohort } from "./rollout_cohort.ts";
import type { Rollouts } from "./rollouts.ts";

export class UpdateOffers {
  constructor(
    private readonly versions: AgentVersions,
    private readonly policies: ComputerPolicies,
    private readonly rollouts: Rollouts,
    /** AGENT_DOWNLOAD_LIMIT_KBPS: the limit for computers without their own; null: none. */
    private readonly defaultLimitKbps: number | null,
  ) {}

  /** What the computer on `current` (null: unknown) should install, or null (204). */
  async checkUpdate(computerId: string, current: string | null): Promise<UpdateInfo | null> {
    const policy = await this.policies.get(computerId);
    if (!policy || policy.updates_paused) return null;
    const pin = policy.pinned_version;
    const newer = (row: AgentVersionRow) => current === null || semver.gt(row.version, current);
    const withinPin = (row: AgentVersionRow) => pin === null || semver.lte(row.version, pin);

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
    return {
      version: offer.version,
      download_url: offer.download_url,
      checksum_sha256: offer.checksum_sha256,
      file_size: offer.file_size,
      ...(limit !== null ? { download_limit_kbps: limit } : {}),
    };
  }
}
