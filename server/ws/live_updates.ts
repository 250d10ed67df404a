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
/**
 * Computers going online or offline here are announced together, at most this
 * long after the first of them: a reconnect storm of 10,000 agents costs ~70
 * NOTIFYs, not 10,000 (issue 17, item 2).
 */
export const PRESENCE_BATCH_MS = 100;

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
  /** Computer id → whether it is connected here, in the order the changes came. */
  let changes = new Map<string, boolean>();
  let batchTimer: ReturnType<typeof setTimeout> | null = null;
  const sendChanges = async () => {
    batchTimer = null;
    const batch = changes;
    changes = new Map();
    const online: string[] = [];
    const offline: string[] = [];
    for (const [id, here] of batch) (here ? online : offline).push(id);
    for (let i = 0; i < online.length || i < offline.length; i += IDS_PER_MESSAGE) {
      await announce(
        online.slice(i, i + IDS_PER_MESSAGE),
        offline.slice(i, i + IDS_PER_MESSAGE),
      );
    }
  };
  hub.onLocalPresence((computerId, here) => {
    // The latest state wins: online then offline within one batch announces offline only.
    changes.delete(computerId);
    changes.set(computerId, here);
    batchTimer ??= setTimeout(() => void sendChanges(), PRESENCE_BATCH_MS);
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
    if (batchTimer) {
      clearTimeout(batchTimer);
      await sendChanges();
    }
    // All at once: one after another they took 2.1 s for 3,000 agents, so a stop with 10,000
    // outlasted the 5 s before SIGKILL (the bench) and its sockets were never closed cleanly.
    const ids = hub.localComputers();
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_MESSAGE) {
      chunks.push(ids.slice(i, i + IDS_PER_MESSAGE));
    }
    await Promise.all(chunks.map((chunk) => announce([], chunk)));
    unsubscribe();
  };
}
