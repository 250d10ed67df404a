/**
 * `agent_health.json`, what the updater waits for after starting a new agent:
 * written once the agent has started (config and identity loaded, main loop
 * running), and again when it first reaches the server. Being up decides the
 * update; reaching the server is reported beside it, so a server outage during
 * the health window does not roll back a good version (the updater judges the
 * server part itself, by probing the server: see updater/server_probe.ts).
 */
import { writeJsonAtomic } from "../atomic_file.ts";
import type { Logger } from "../log.ts";

export interface Health {
  version: string;
  pid: number;
  time: string;
  /** When the agent first got an answer from the server; absent until then. */
  server_reached_at?: string;
}

export class HealthFile {
  #health: Health | null = null;
  /** Writes run one after another, each writing the latest state: an older one never lands last. */
  #writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly version: string,
    readonly log: Logger,
  ) {}

  /** The agent is up: its main loop runs. */
  async writeStarted(): Promise<void> {
    if (this.#health) return;
    this.#health = { version: this.version, pid: Deno.pid, time: new Date().toISOString() };
    await this.#save();
    this.log.info("Health file written", { path: this.path, ...this.#health });
  }

  /** The server answered; recorded once. */
  async markServerReached(): Promise<void> {
    if (!this.#health || this.#health.server_reached_at) return;
    this.#health = { ...this.#health, server_reached_at: new Date().toISOString() };
    await this.#save();
    this.log.info("Health file: server reached", { at: this.#health.server_reached_at });
  }

  #save(): Promise<void> {
    this.#writing = this.#writing.catch(() => {}).then(() =>
      writeJsonAtomic(this.path, this.#health)
    );
    return this.#writing;
  }
}
