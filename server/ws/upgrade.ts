/**
 * What the two WebSocket routes share: the upgrade function they are given
 * (`upgradeWebSocket` from `hono/deno`, absent in tests that only call
 * `app.request()`), and the idle timeout after which Deno pings a socket.
 */
import type { Context } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import { HttpError } from "../errors.ts";

/** Upgrades a request to a WebSocket (`upgradeWebSocket` from `hono/deno`). */
export type WsUpgrade = UpgradeWebSocket<WebSocket, Deno.UpgradeWebSocketOptions>;

/** Seconds of silence before Deno pings a socket (and closes it without a pong). */
export const WS_IDLE_TIMEOUT_S = 30;

export interface WsUpgradeDeps {
  upgradeWebSocket?: WsUpgrade;
  /** Seconds of silence before a socket is pinged (and dropped without a pong); default 30. */
  wsIdleTimeoutSeconds?: number;
}

/** The upgrade function for `c`: 501 when the server has none, 400 when `c` is no upgrade. */
export function upgraderOf(deps: WsUpgradeDeps, c: Context): WsUpgrade {
  if (!deps.upgradeWebSocket) {
    throw new HttpError(501, "internal", "WebSockets are not available in this server");
  }
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new HttpError(400, "bad_request", "Expected a WebSocket upgrade request");
  }
  return deps.upgradeWebSocket;
}

/** The options every socket is upgraded with. */
export function socketOptions(deps: WsUpgradeDeps): Deno.UpgradeWebSocketOptions {
  return { idleTimeout: deps.wsIdleTimeoutSeconds ?? WS_IDLE_TIMEOUT_S };
}
