/**
 * Wires groups, pins, update attempts and rollouts (DESIGN.md "Rollouts,
 * groups and update attempts") onto the shared dependencies; `boot.ts` calls it.
 */
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import type { Logger } from "./log.ts";
import type { AgentAuth } from "./services/agent_auth.ts";
import type { AgentVersions } from "./services/agent_versions.ts";
import { ComputerAdmin } from "./services/computer_admin.ts";
import { ComputerPolicies } from "./services/computer_policies.ts";
import { RolloutEvaluator } from "./services/rollout_evaluator.ts";
import { startRolloutLive } from "./services/rollout_live.ts";
import { Rollouts } from "./services/rollouts.ts";
import { UpdateAttempts } from "./services/update_attempts.ts";
import { UpdateOffers } from "./services/update_offers.ts";
import type { AdminHub } from "./ws/admin_hub.ts";
import type { AgentHub } from "./ws/agent_hub.ts";
import type { Notifier } from "./ws/notifier.ts";

export interface RolloutWiringInput {
  config: Config;
  db: Db;
  logger: Logger;
  notifier: Notifier;
  hub: AgentHub;
  adminHub: AdminHub;
  versions: AgentVersions;
  agentAuth: AgentAuth;
}

export async function wireRollouts(input: RolloutWiringInput) {
  const { config, db, logger, notifier, hub, adminHub, versions, agentAuth } = input;
  const policies = new ComputerPolicies(db);
  const computerAdmin = new ComputerAdmin({ db, notifier, agentAuth, policies, hub, logger });
  const rollouts = new Rollouts({ db, versions, notifier, logger });
  const evaluator = new RolloutEvaluator(db, rollouts, logger);
  const attempts = new UpdateAttempts({
    db,
    rolloutIdFor: (version) => rollouts.rolloutIdFor(version),
    onFinished: () => void evaluator.evaluateSoon(),
  });
  const offers = new UpdateOffers(versions, policies, rollouts, config.agentDownloadLimitKbps);
  const unsubscribers = [
    computerAdmin.listen(),
    startRolloutLive({ db, notifier, rollouts, hub, adminHub, logger }),
  ];
  await rollouts.refresh();
  evaluator.start();
  return {
    deps: { policies, computerAdmin, rollouts, evaluator, attempts, offers },
    async stop() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      await evaluator.stop();
    },
  };
}
