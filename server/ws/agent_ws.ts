/**
 * `GET /api/agent/ws`, mounted behind the agent auth middleware so bad
 * credentials get 401 before any upgrade. Deno pings every socket after
 * `idleTimeout` seconds of silence and closes those that do not answer; the
 * close handler then takes the computer off the hub.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import type { Logger } from "../log.ts";
import type { LastSeenWriter } from "../services/last_seen_writer.ts";
import type { AgentHub } from "./agent_hub.ts";
import { socketOptions, upgraderOf, type WsUpgradeDeps } from "./upgrade.ts";

/**
 * Largest message an agent may send (the agent sends none; it is ignored). A
 * larger one closes the socket with 1009. Deno has no option to refuse a
 * frame before reading it: its WebSocket reads a message of up to 64 MiB into
 * memory before this code sees it; one socket per agent bounds what one agent
 * can hold that way (see docs/security.md).
 */
export const AGENT_WS_MAX_MESSAGE_BYTES = 4 * 1024;

function messageSize(data: unknown): number {
  if (typeof data === "string") return data.length; // UTF-16 units: at most the byte length
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (data instanceof Blob) return data.size;
  return 0;
}

export interface AgentSocketDeps extends WsUpgradeDeps {
  logger: Logger;
  lastSeen: LastSeenWriter;
  hub: AgentHub;
}

/** The agent's identity is on the context (agent middleware). */
export function agentSocket(deps: AgentSocketDeps) {
  return function handleAgentSocket(c: Context<AppEnv>): Promise<Response> {
    const upgrade = upgraderOf(deps, c);
    const computerId = c.get("computerId");
    // Queued and written in batches: a reconnect storm costs a few UPDATEs, not one per socket.
    const touch = () => deps.lastSeen.seen(computerId);
    return upgrade(c, {
      onOpen(_event, ws) {
        deps.hub.add(computerId, ws);
        touch();
      },
      onMessage(event, ws) {
        const size = messageSize(event.data);
        if (size > AGENT_WS_MAX_MESSAGE_BYTES) {
          deps.logger.warn("agent socket closed: message too large", { computerId, bytes: size });
          ws.close(1009, `Message too large (max ${AGENT_WS_MAX_MESSAGE_BYTES} bytes)`);
        }
      },
      onClose(_event, ws) {
        deps.hub.remove(computerId, ws);
        touch();
      },
    }, socketOptions(deps));
  };
}
