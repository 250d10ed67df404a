/** The admin pages connected to this instance's live view (`GET /api/admin/ws`). */
import type { WsMessage } from "../../protocol/mod.ts";
import type { AgentSocket } from "./agent_hub.ts";

export class AdminHub {
  #sockets = new Set<AgentSocket>();

  add(socket: AgentSocket): void {
    this.#sockets.add(socket);
  }

  remove(socket: AgentSocket): void {
    this.#sockets.delete(socket);
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** Sends `message` to every admin page connected here. */
  broadcast(message: WsMessage): void {
    const data = JSON.stringify(message);
    for (const socket of this.#sockets) {
      try {
        socket.send(data);
      } catch {
        // closing; its close handler removes it
      }
    }
  }

  closeAll(code = 1001, reason = "Server shutting down"): void {
    for (const socket of this.#sockets) {
      try {
        socket.close(code, reason);
      } catch {
        // already closed
      }
    }
  }
}
