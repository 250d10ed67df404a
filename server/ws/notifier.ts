/**
 * Events between server instances, over Postgres `LISTEN/NOTIFY` (`db.listen`
 * and `db.notify`). With the embedded database there is one process and the
 * adapter's channel is in-process. A publisher hears its own events too, so
 * every instance, the publisher included, reacts in one place: the subscriber.
 */
import type { Db } from "../db/db.ts";
import type { Logger } from "../log.ts";

/** The NOTIFY channel Hangar uses. */
const EVENTS_CHANNEL = "hangar_events";

export type HangarEvent =
  /** The version list changed; `new_stable_version` is set when a version just became stable. */
  | { type: "versions_changed"; new_stable_version: string | null }
  /** An error was reported or resolved (`computer_id` null: several computers at once). */
  | { type: "errors_changed"; computer_id: string | null }
  /** An instance's agents that are connected (`online`) or that just left (`offline`). */
  | { type: "presence"; instance: string; online: string[]; offline: string[] }
  /** An admin changed a computer's settings, or deleted it (its token stops working). */
  | { type: "computer_changed"; computer_id: string; agent_id: string; deleted: boolean }
  /** The enrollment token was rotated: every instance reloads it. */
  | { type: "enrollment_token_changed" }
  /**
   * A rollout changed. `notify_after_stage`: tell the connected agents that are in
   * the cohort now but were not after that stage (-1: the whole cohort); null: tell no one.
   */
  | { type: "rollout_changed"; rollout_id: string; notify_after_stage: number | null };

function isHangarEvent(value: unknown): value is HangarEvent {
  if (typeof value !== "object" || value === null) return false;
  const event = value as Record<string, unknown>;
  if (event.type === "errors_changed") {
    return event.computer_id === null || typeof event.computer_id === "string";
  }
  if (event.type === "versions_changed") {
    return event.new_stable_version === null || typeof event.new_stable_version === "string";
  }
  if (event.type === "computer_changed") {
    return typeof event.computer_id === "string" && typeof event.agent_id === "string" &&
      typeof event.deleted === "boolean";
  }
  if (event.type === "enrollment_token_changed") return true;
  if (event.type === "rollout_changed") {
    return typeof event.rollout_id === "string" &&
      (event.notify_after_stage === null || typeof event.notify_after_stage === "number");
  }
  return event.type === "presence" && typeof event.instance === "string" &&
    Array.isArray(event.online) && Array.isArray(event.offline);
}

export class Notifier {
  #subscribers = new Set<(event: HangarEvent) => void>();
  #unlisten: (() => Promise<void>) | null = null;

  private constructor(private readonly db: Db, private readonly logger: Logger) {}

  /** Starts listening on the events channel. */
  static async start(db: Db, logger: Logger): Promise<Notifier> {
    const notifier = new Notifier(db, logger);
    notifier.#unlisten = await db.listen(EVENTS_CHANNEL, (payload) => notifier.#deliver(payload));
    return notifier;
  }

  /** Sends `event` to every instance on this database, this one included. */
  async publish(event: HangarEvent): Promise<void> {
    await this.db.notify(EVENTS_CHANNEL, JSON.stringify(event));
  }

  /** Calls `fn` for every event; returns a function that stops it. */
  subscribe(fn: (event: HangarEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  async stop(): Promise<void> {
    this.#subscribers.clear();
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = null;
  }

  #deliver(payload: string): void {
    let event: unknown;
    try {
      event = JSON.parse(payload);
    } catch {
      event = null;
    }
    if (!isHangarEvent(event)) {
      this.logger.warn("ignored a malformed event", { channel: EVENTS_CHANNEL, payload });
      return;
    }
    for (const fn of this.#subscribers) {
      try {
        fn(event);
      } catch (error) {
        this.logger.error("event subscriber failed", { type: event.type, error: String(error) });
      }
    }
  }
}
