/**
 * Connects the notifier to this instance: version changes drop the version
 * cache and reach the agents and admin pages connected here; computers going
 * online or offline here are announced to the other instances, and their
 * announcements keep this instance's online view whole. Each instance
 * re-announces its agents every `intervalMs`, so a new instance learns who is
 * online, and a crashed instance's agents go offline after PRESENCE_TTL_FACTOR
 * intervals.
 */
import {
  COMPUTERS_CHANGED,
  ERRORS_CHANGED,
  NEW_VERSION_AVAILABLE,
  VERSIONS_CHANGED,
} from "../../protocol/mod.ts";
import type { Logger } from "../log.ts";
import type { AgentVersions } from "../services/agent_versions.ts";
import type { AdminHub } from "./admin_hub.ts";
import type { AgentHub } from "./agent_hub.ts";
import type { Notifier } from "./notifier.ts";

export const PRESENCE_INTERVAL_MS = 30_000;
const PRESENCE_TTL_FACTOR = 3;
/** A UUID and its JSON quoting: 150 of them stay well under NOTIFY's 8000-byte payload limit. */
const IDS_PER_MESSAGE = 150;

export interface LiveUpdatesDeps {
  notifier: Notifier;
  hub: AgentHub;
  adminHub: AdminHub;
  versions: AgentVersions;
  logger: Logger;
}

export function startLiveUpdates(
  deps: LiveUpdatesDeps,
  intervalMs = PRESENCE_INTERVAL_MS,
): () => Promise<void> {
  const { notifier, hub, adminHub, logger } = deps;
  const ttlMs = intervalMs * PRESENCE_TTL_FACTOR;

  const unsubscribe = notifier.subscribe((event) => {
    if (event.type === "presence") {
      hub.applyPresence(event.instance, event.online, event.offline, ttlMs);
      return;
    }
    if (event.type === "errors_changed") {
      const payload = event.computer_id ? { computer_id: event.computer_id } : {};
      adminHub.broadcast({ event: ERRORS_CHANGED, payload });
      return;
    }
    if (event.type !== "versions_changed") return; // the others have their own subscribers
    deps.versions.invalidate();
    adminHub.broadcast({ event: VERSIONS_CHANGED, payload: {} });
    if (event.new_stable_version) {
      const payload = { new_stable_version: event.new_stable_version };
      const sockets = hub.broadcast({ event: NEW_VERSION_AVAILABLE, payload });
      logger.info("told agents about a new stable version", { ...payload, sockets });
    }
  });

  const announce = async (online: string[], offline: string[]) => {
    try {
      await notifier.publish({ type: "presence", instance: hub.instance, online, offline });
    } catch (error) {
      logger.warn("could not announce presence", { error: String(error) });
    }
  };
  hub.onChange((computerId) => {
    adminHub.broadcast({ event: COMPUTERS_CHANGED, payload: { computer_id: computerId } });
  });
  hub.onLocalPresence((computerId, here) => {
    void (here ? announce([computerId], []) : announce([], [computerId]));
  });

  const timer = setInterval(() => {
    hub.expireRemote();
    const ids = hub.localComputers();
    for (let i = 0; i < ids.length; i += IDS_PER_MESSAGE) {
      void announce(ids.slice(i, i + IDS_PER_MESSAGE), []);
    }
  }, intervalMs);

  return async function stopLiveUpdates() {
    clearInterval(timer);
    const ids = hub.localComputers();
    for (let i = 0; i < ids.length; i += IDS_PER_MESSAGE) {
      await announce([], ids.slice(i, i + IDS_PER_MESSAGE));
    }
    unsubscribe();
  };
}
