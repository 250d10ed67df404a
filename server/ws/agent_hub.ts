/**
 * The set of agents connected over WebSocket on this instance. It knows who is
 * online and sends a message to every connected agent.
 */
import type { WsMessage } from "../../protocol/mod.ts";

/** The part of a WebSocket the hub needs (Hono's WSContext fits). */
export interface AgentSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export class AgentHub {
  #sockets = new Map<string, Set<AgentSocket>>();
  #onChange: ((computerId: string) => void)[] = [];

  add(computerId: string, socket: AgentSocket): void {
    let set = this.#sockets.get(computerId);
    if (!set) this.#sockets.set(computerId, set = new Set());
    set.add(socket);
    this.#changed(computerId);
  }

  remove(computerId: string, socket: AgentSocket): void {
    const set = this.#sockets.get(computerId);
    if (!set?.delete(socket)) return;
    if (set.size === 0) this.#sockets.delete(computerId);
    this.#changed(computerId);
  }

  isOnline(computerId: string): boolean {
    return this.#sockets.has(computerId);
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** Calls `fn` whenever a computer connects or disconnects here. */
  onChange(fn: (computerId: string) => void): void {
    this.#onChange.push(fn);
  }

  /** Sends `message` to every connected agent; returns how many sockets it reached. */
  broadcast(message: WsMessage): number {
    const data = JSON.stringify(message);
    let sent = 0;
    for (const set of this.#sockets.values()) {
      for (const socket of set) {
        try {
          socket.send(data);
          sent++;
        } catch {
          // A socket closing right now; its close handler removes it.
        }
      }
    }
    return sent;
  }

  #changed(computerId: string): void {
    for (const fn of this.#onChange) fn(computerId);
  }
}
