/**
 * A rollout change on any instance reaches this one: the active rollout is
 * reloaded, admin pages are told, and when the cohort widened the agents
 * connected here that just joined it (and only they) hear of the version, in
 * waves like any broadcast. Agents outside the cohort, paused, or pinned below
 * the version are not told.
 */
import { NEW_VERSION_AVAILABLE, ROLLOUT_CHANGED } from "../../protocol/mod.ts";
import { listComputerPolicies } from "../db/computer_settings.ts";
import type { Db } from "../db/db.ts";
import type { Logger } from "../log.ts";
import type { AdminHub } from "../ws/admin_hub.ts";
import type { AgentHub } from "../ws/agent_hub.ts";
import type { Notifier } from "../ws/notifier.ts";
import { cohortAt, inCohort, mayReceive } from "./rollout_cohort.ts";
import type { Rollouts } from "./rollouts.ts";

export interface RolloutLiveDeps {
  db: Db;
  notifier: Notifier;
  rollouts: Rollouts;
  hub: AgentHub;
  adminHub: AdminHub;
  logger: Logger;
}

export function startRolloutLive(deps: RolloutLiveDeps): () => void {
  return deps.notifier.subscribe((event) => {
    if (event.type !== "rollout_changed") return;
    deps.adminHub.broadcast({ event: ROLLOUT_CHANGED, payload: { rollout_id: event.rollout_id } });
    const notifyAfter = event.notify_after_stage;
    void (async () => {
      await deps.rollouts.refresh();
      if (notifyAfter !== null) await notifyNewlyIncluded(deps, event.rollout_id, notifyAfter);
    })().catch((error) =>
      deps.logger.error("could not apply a rollout change", {
        rollout_id: event.rollout_id,
        error: String(error),
      })
    );
  });
}

/** Tells the agents connected here that joined the cohort after stage `after`. */
async function notifyNewlyIncluded(deps: RolloutLiveDeps, rolloutId: string, after: number) {
  const active = deps.rollouts.active;
  if (!active || active.id !== rolloutId || active.status !== "running") return;
  const local = deps.hub.localComputers();
  if (local.length === 0) return;
  const before = cohortAt(active.stages, after);
  const version = active.version.version;
  const joined = new Set<string>();
  for (const computer of await listComputerPolicies(deps.db, local)) {
    if (!inCohort(active.cohort, rolloutId, computer)) continue;
    if (after >= 0 && inCohort(before, rolloutId, computer)) continue;
    if (mayReceive(computer, version)) joined.add(computer.id);
  }
  const payload = { new_stable_version: version };
  const sockets = deps.hub.broadcast(
    { event: NEW_VERSION_AVAILABLE, payload },
    (id) => joined.has(id),
  );
  deps.logger.info("told agents newly in a rollout's cohort", {
    rollout_id: rolloutId,
    version,
    stage_index: active.stageIndex,
    sockets,
  });
}
