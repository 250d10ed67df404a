/**
 * Who is in a rollout's cohort. Each computer gets a bucket 0..99 from a
 * stable hash of the rollout id and its own id, so a rollout's 10% is the same
 * computers on every check and on every instance, and another rollout draws
 * another 10%. Stages are cumulative: stage k's cohort is everyone its stages
 * 0..k include (the highest percent, and every group named so far).
 */
import semver from "semver";

export interface StageSpec {
  percent?: number;
  groups?: string[];
  wait_s: number;
}

export interface Cohort {
  percent: number;
  groups: ReadonlySet<string>;
}

/**
 * The computer's bucket, 0..99, for this rollout: FNV-1a of `rolloutId:computerId`, then a
 * murmur3 finaliser to spread it. The key is hashed in place, without building the string:
 * check_update asks this on every request of a computer while a rollout runs.
 */
export function bucketOf(rolloutId: string, computerId: string): number {
  let h = fnv1a(0x811c9dc5, rolloutId);
  h = Math.imul(h ^ 0x3a, 0x01000193); // ":"
  h = fnv1a(h, computerId);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 100;
}

function fnv1a(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** The cumulative cohort of stages 0..index (index -1: nobody). */
export function cohortAt(stages: readonly StageSpec[], index: number): Cohort {
  let percent = 0;
  const groups = new Set<string>();
  for (const stage of stages.slice(0, index + 1)) {
    percent = Math.max(percent, stage.percent ?? 0);
    for (const group of stage.groups ?? []) groups.add(group);
  }
  return { percent, groups };
}

export function inCohort(
  cohort: Cohort,
  rolloutId: string,
  computer: { id: string; group: string },
): boolean {
  return cohort.groups.has(computer.group) || bucketOf(rolloutId, computer.id) < cohort.percent;
}

/** Whether a computer's pause and pin let it be offered `version`. */
export function mayReceive(
  computer: { updates_paused: boolean; pinned_version: string | null },
  version: string,
): boolean {
  if (computer.updates_paused) return false;
  return computer.pinned_version === null || semver.lte(version, computer.pinned_version);
}
