/**
 * Which agents are connected over WebSocket: the sockets on this instance, and
 * what other instances announced (see live_updates.ts). It sends messages to
 * the agents connected here; other instances do the same for theirs.
 */
import type { WsMessage } from "../../protocol/mod.ts";

/** The part of a WebSocket the hub needs (Hono's WSContext fits). */
export interface AgentSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** How a broadcast to many agents is paced. */
export interface WavePacing {
  /** Sockets sent to at once. */
  size: number;
  /** Pause between waves. */
  intervalMs: number;
}

/**
 * 1,000 sockets every 50 ms: 10,000 agents all hear of a new version within
 * half a second (tools/bench fanout), yet their check_update and download
 * requests arrive spread out rather than in one burst (tools/bench stampede),
 * and no single turn of the event loop writes to the whole fleet.
 */
export const DEFAULT_WAVES: WavePacing = { size: 1000, intervalMs: 50 };

/** The hub's time: presence expiry reads `now`, broadcast waves wait on its timers. */
export interface HubClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const SYSTEM_CLOCK: HubClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

/** Close code for an agent's socket that a newer connection of the same agent replaced. */
export const REPLACED_CLOSE_CODE = 4001;

export class AgentHub {
  /** This instance's id in presence announcements. */
  readonly instance = crypto.randomUUID();
  #sockets = new Map<string, Set<AgentSocket>>();
  /** computer id → (instance id → when that instance's word expires). */
  #remote = new Map<string, Map<string, number>>();
  #onChange: ((computerId: string) => void)[] = [];
  #onLocal: ((computerId: string, connectedHere: boolean) => void)[] = [];

  /** Timers of broadcasts still going out in waves; closeAll cancels them. */
  #waves = new Set<unknown>();

  constructor(
    private readonly clock: HubClock = SYSTEM_CLOCK,
    private readonly pacing: WavePacing = DEFAULT_WAVES,
  ) {}

  /**
   * Adds an agent's socket. One socket per agent: an older one (a half-dead
   * connection, or a client opening many) is closed with REPLACED_CLOSE_CODE,
   * so one agent id cannot hold thousands of sockets.
   */
  add(computerId: string, socket: AgentSocket): void {
    const wasOnline = this.isOnline(computerId);
    let set = this.#sockets.get(computerId);
    if (!set) {
      this.#sockets.set(computerId, set = new Set());
      for (const fn of this.#onLocal) fn(computerId, true);
    }
    for (const older of set) {
      set.delete(older);
      try {
        older.close(REPLACED_CLOSE_CODE, "Replaced by a newer connection of this agent");
      } catch {
        // already closed
      }
    }
    set.add(socket);
    if (!wasOnline) this.#changed(computerId);
  }

  remove(computerId: string, socket: AgentSocket): void {
    const set = this.#sockets.get(computerId);
    if (!set?.delete(socket)) return;
    if (set.size > 0) return;
    this.#sockets.delete(computerId);
    for (const fn of this.#onLocal) fn(computerId, false);
    if (!this.isOnline(computerId)) this.#changed(computerId);
  }

  /** Connected here, or announced by another instance whose word has not expired. */
  isOnline(computerId: string): boolean {
    if (this.#sockets.has(computerId)) return true;
    const now = this.clock.now();
    for (const expires of this.#remote.get(computerId)?.values() ?? []) {
      if (expires > now) return true;
    }
    return false;
  }

  /** Whether `computerId` has a socket on this instance. */
  isConnectedHere(computerId: string): boolean {
    return this.#sockets.has(computerId);
  }

  /** The computers connected to this instance. */
  localComputers(): string[] {
    return [...this.#sockets.keys()];
  }

  /** Every computer online: connected here or announced by another instance (unexpired). */
  onlineComputers(): string[] {
    const ids = new Set(this.#sockets.keys());
    const now = this.clock.now();
    for (const [id, map] of this.#remote) {
      for (const expires of map.values()) if (expires > now) ids.add(id);
    }
    return [...ids];
  }

  /** Computers online here (each counted once). */
  get size(): number {
    return this.#sockets.size;
  }

  /**
   * Records another instance's announcement: `online` computers stay online
   * until `ttlMs` from now unless announced again; `offline` ones left it.
   */
  applyPresence(instance: string, online: string[], offline: string[], ttlMs: number): void {
    if (instance === this.instance) return;
    const expires = this.clock.now() + ttlMs;
    for (const id of online) {
      const wasOnline = this.isOnline(id);
      let map = this.#remote.get(id);
      if (!map) this.#remote.set(id, map = new Map());
      map.set(instance, expires);
      if (!wasOnline) this.#changed(id);
    }
    for (const id of offline) {
      const map = this.#remote.get(id);
      if (!map?.delete(instance)) continue;
      if (map.size === 0) this.#remote.delete(id);
      if (!this.isOnline(id)) this.#changed(id);
    }
  }

  /** Forgets announcements that expired (an instance that died); reports who went offline. */
  expireRemote(): void {
    const now = this.clock.now();
    for (const [id, map] of this.#remote) {
      for (const [instance, expires] of map) if (expires <= now) map.delete(instance);
      if (map.size > 0) continue;
      this.#remote.delete(id);
      if (!this.#sockets.has(id)) this.#changed(id);
    }
  }

  /** Calls `fn` whenever a computer's online state changes. */
  onChange(fn: (computerId: string) => void): void {
    this.#onChange.push(fn);
  }

  /** Calls `fn` when a computer's first socket here opens or its last one closes. */
  onLocalPresence(fn: (computerId: string, connectedHere: boolean) => void): void {
    this.#onLocal.push(fn);
  }

  /**
   * Sends `message` to every agent connected here, `pacing.size` sockets at a
   * time: the first wave now, the next ones `pacing.intervalMs` apart. `only`
   * limits it to some computers (a rollout's newly included ones). Returns how
   * many sockets it goes to.
   */
  broadcast(message: WsMessage, only?: (computerId: string) => boolean): number {
    const data = JSON.stringify(message);
    const sockets: AgentSocket[] = [];
    for (const [id, set] of this.#sockets) {
      if (only && !only(id)) continue;
      for (const socket of set) sockets.push(socket);
    }
    const { size, intervalMs } = this.pacing;
    const sendWave = (from: number) => {
      for (const socket of sockets.slice(from, from + size)) {
        try {
          socket.send(data);
        } catch {
          // A socket closing right now; its close handler removes it.
        }
      }
      if (from + size >= sockets.length) return;
      const timer = this.clock.setTimeout(() => {
        this.#waves.delete(timer);
        sendWave(from + size);
      }, intervalMs);
      this.#waves.add(timer);
    };
    sendWave(0);
    return sockets.length;
  }

  /** Closes the sockets of one computer here (it was deleted). */
  disconnect(computerId: string, code: number, reason: string): void {
    for (const socket of this.#sockets.get(computerId) ?? []) {
      try {
        socket.close(code, reason);
      } catch {
        // already closed
      }
    }
  }

  /** Closes every socket here (shutting down); agents reconnect to another instance. */
  closeAll(code = 1001, reason = "Server shutting down"): void {
    for (const timer of this.#waves) this.clock.clearTimeout(timer);
    this.#waves.clear();
    for (const set of this.#sockets.values()) {
      for (const socket of set) {
        try {
          socket.close(code, reason);
        } catch {
          // already closed
        }
      }
    }
  }

  #changed(computerId: string): void {
    for (const fn of this.#onChange) fn(computerId);
  }
}
