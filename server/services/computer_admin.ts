/**
 * An admin's writes on computers: settings (group, pin, pause, download
 * limit), deletion, and the enrollment token's rotation. Each is told to every
 * instance through the notifier, so a deleted computer's token stops working
 * everywhere at once and a rotated enrollment token replaces the old one.
 */
import type { ComputerPatch, ComputerSummary } from "../../protocol/mod.ts";
import { deleteComputer, updateComputerSettings } from "../db/computer_settings.ts";
import { findComputerById } from "../db/computers.ts";
import type { Db } from "../db/db.ts";
import { getSetting } from "../db/settings.ts";
import { HttpError } from "../errors.ts";
import { isUuid } from "../validate.ts";
import type { Logger } from "../log.ts";
import { ROTATED_ENROLLMENT_TOKEN, rotateEnrollmentToken } from "../secrets.ts";
import type { AgentHub } from "../ws/agent_hub.ts";
import type { HangarEvent, Notifier } from "../ws/notifier.ts";
import type { AgentAuth } from "./agent_auth.ts";
import type { ComputerPolicies } from "./computer_policies.ts";
import { toComputerSummary } from "./computers.ts";

/** The WebSocket close code a deleted computer's agent sees (policy violation). */
export const DELETED_CLOSE_CODE = 1008;

export interface ComputerAdminDeps {
  db: Db;
  notifier: Notifier;
  agentAuth: AgentAuth;
  policies: ComputerPolicies;
  hub: AgentHub;
  logger: Logger;
}

export class ComputerAdmin {
  constructor(private readonly deps: ComputerAdminDeps) {}

  async update(id: string, patch: ComputerPatch): Promise<ComputerSummary> {
    if (!isUuid(id)) throw notFound(id);
    if (!await updateComputerSettings(this.deps.db, id, patch)) throw notFound(id);
    const row = await findComputerById(this.deps.db, id);
    if (!row) throw notFound(id);
    const event: HangarEvent = {
      type: "computer_changed",
      computer_id: id,
      agent_id: row.agent_id,
      deleted: false,
    };
    await this.#announce(event);
    return toComputerSummary(row, this.deps.hub.isOnline(id));
  }

  /** Deletes a computer everywhere; returns what the audit log keeps of it. */
  async remove(id: string): Promise<{ agent_id: string; hostname: string }> {
    if (!isUuid(id)) throw notFound(id);
    const removed = await deleteComputer(this.deps.db, id);
    if (removed === null) throw notFound(id);
    const agentId = removed.agent_id;
    const event: HangarEvent = {
      type: "computer_changed",
      computer_id: id,
      agent_id: agentId,
      deleted: true,
    };
    await this.#announce(event);
    return removed;
  }

  async rotateEnrollmentToken(): Promise<string> {
    const token = await rotateEnrollmentToken(this.deps.db);
    this.deps.agentAuth.setEnrollmentToken(token);
    await this.#publish({ type: "enrollment_token_changed" });
    return token;
  }

  /** Applies another instance's (or this one's) event to this instance's caches and sockets. */
  apply(event: HangarEvent): void {
    const { agentAuth, policies, hub } = this.deps;
    if (event.type === "computer_changed") {
      policies.invalidate(event.computer_id);
      if (!event.deleted) return;
      agentAuth.forget(event.agent_id);
      hub.disconnect(event.computer_id, DELETED_CLOSE_CODE, "Computer deleted");
    } else if (event.type === "enrollment_token_changed") {
      void getSetting(this.deps.db, ROTATED_ENROLLMENT_TOKEN).then((token) => {
        if (token) agentAuth.setEnrollmentToken(token);
      }).catch((error) =>
        this.deps.logger.error("could not reload the enrollment token", { error: String(error) })
      );
    }
  }

  /** Subscribes `apply` to the notifier; returns the unsubscribe function. */
  listen(): () => void {
    return this.deps.notifier.subscribe((event) => this.apply(event));
  }

  /**
   * Applies a change made here at once, then tells the other instances. Waiting for our own
   * notification instead (a PostgreSQL round trip) would let a check in between be answered
   * from the old policy, or a deleted computer's agent be let in.
   */
  async #announce(event: HangarEvent): Promise<void> {
    this.apply(event);
    await this.#publish(event);
  }

  async #publish(event: HangarEvent): Promise<void> {
    try {
      await this.deps.notifier.publish(event);
    } catch (error) {
      // The write is done; other instances catch up when their caches expire.
      this.deps.logger.warn("could not tell other instances", {
        type: event.type,
        error: String(error),
      });
    }
  }
}

function notFound(id: string): HttpError {
  return new HttpError(404, "not_found", `Computer "${id.slice(0, 100)}" not found`);
}
