/**
 * The WebSocket routes. `GET /api/agent/ws` is mounted behind the agent auth
 * middleware and `GET /api/admin/ws` behind the admin one, so bad credentials
 * get 401 before any upgrade. Deno pings every socket after `idleTimeout`
 * seconds of silence and closes those that do not answer; the close handler
 * then takes the computer off the hub.
 */
import type { Context } from "hono";
import type { WsUpgrade } from "../app.ts";
import type { Db } from "../db/db.ts";
import type { AppEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { LastSeenWriter } from "../services/last_seen_writer.ts";
import type { AdminHub } from "./admin_hub.ts";
import type { AgentHub } from "./agent_hub.ts";

/** Seconds of silence before Deno pings a socket (and closes it without a pong). */
export const WS_IDLE_TIMEOUT_S = 30;

/**
 * Largest message an agent may send (it sends only small `pong` events). A
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

export interface WsRouteDeps {
  db: Db;
  logger: Logger;
  lastSeen: LastSeenWriter;
  hub: AgentHub;
  adminHub: AdminHub;
  upgradeWebSocket?: WsUpgrade;
  wsIdleTimeoutSeconds?: number;
}

function upgraderOf(deps: WsRouteDeps, c: Context): WsUpgrade {
  if (!deps.upgradeWebSocket) {
    throw new HttpError(501, "internal", "WebSockets are not available in this server");
  }
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new HttpError(400, "bad_request", "Expected a WebSocket upgrade request");
  }
  return deps.upgradeWebSocket;
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false; // "null" or garbage
  }
}

/** `GET /api/agent/ws`: the agent's identity is on the context (agent middleware). */
export function agentSocket(deps: WsRouteDeps) {
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
    }, { idleTimeout: deps.wsIdleTimeoutSeconds ?? WS_IDLE_TIMEOUT_S });
  };
}

/**
 * `GET /api/admin/ws`: the admin page's live view. Browsers send the session
 * cookie with the upgrade; a page from another origin is refused, since a
 * cookie alone does not prove who opened the socket.
 */
export function adminSocket(deps: WsRouteDeps) {
  return function handleAdminSocket(c: Context<AppEnv>): Promise<Response> {
    const upgrade = upgraderOf(deps, c);
    const origin = c.req.header("origin");
    if (origin && !sameHost(origin, c.req.header("host") ?? new URL(c.req.url).host)) {
      throw new HttpError(403, "forbidden", `WebSocket from another origin (${origin})`);
    }
    return upgrade(c, {
      onOpen(_event, ws) {
        deps.adminHub.add(ws);
      },
      onClose(_event, ws) {
        deps.adminHub.remove(ws);
      },
    }, { idleTimeout: deps.wsIdleTimeoutSeconds ?? WS_IDLE_TIMEOUT_S });
  };
}
