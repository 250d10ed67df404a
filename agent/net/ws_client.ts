/**
 * The agent's WebSocket to `/api/agent/ws`: pushed update notices arrive here.
 * It reconnects by itself after any close with capped exponential backoff and
 * jitter, answers the server's app-level pings, and hands
 * `agent:new_version_available` to the agent.
 */
import { NEW_VERSION_AVAILABLE, NewVersionPayload, type WsMessage } from "../../protocol/mod.ts";
import type { Logger } from "../log.ts";
import { backoffDelay } from "../backoff.ts";
import { resolveServerUrl } from "./http_client.ts";

/**
 * Deno's WebSocket takes handshake headers as `{ headers }`; the project's
 * "dom" lib types only the browser form, so the constructor is re-typed here.
 */
const DenoWebSocket = WebSocket as unknown as new (
  url: URL,
  options: { headers: HeadersInit },
) => WebSocket;

export interface WSClientOptions {
  serverUrl: string;
  headers: Record<string, string>;
  log: Logger;
  onNewVersion: (payload: NewVersionPayload) => void;
  /** Called on every successful connection; `reconnect` is false for the first one. */
  onConnected?: (reconnect: boolean) => void;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
}

export class WSClient {
  readonly #o: WSClientOptions & { reconnectBaseMs: number; reconnectMaxMs: number };
  #socket: WebSocket | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #everConnected = false;
  #closed = false;

  constructor(options: WSClientOptions) {
    this.#o = { reconnectBaseMs: 1000, reconnectMaxMs: 60_000, ...options };
  }

  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.#closed = false;
    this.#connect();
  }

  /** Closes the socket for good: no reconnect follows. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.close(1000, "agent shutting down");
    this.#socket = null;
  }

  #connect(): void {
    const url = resolveServerUrl(this.#o.serverUrl, "/api/agent/ws");
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let socket: WebSocket;
    try {
      // The agent authenticates the handshake with the same headers as its HTTP requests.
      socket = new DenoWebSocket(url, { headers: this.#o.headers });
    } catch (error) {
      this.#o.log.warn("WebSocket could not be created", { url: url.href, error });
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      const reconnect = this.#everConnected;
      this.#everConnected = true;
      this.#attempt = 0;
      this.#o.log.info("WebSocket connected", { url: url.href, reconnect });
      this.#o.onConnected?.(reconnect);
    };
    socket.onmessage = (event) => this.#onMessage(socket, event.data);
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (this.#closed) return;
      this.#o.log.warn("WebSocket closed", { code: event.code, reason: event.reason });
      this.#scheduleReconnect();
    };
    // A failed handshake fires error then close; the close handler reconnects.
    socket.onerror = () => {};
  }

  #onMessage(socket: WebSocket, data: unknown): void {
    let message: WsMessage;
    try {
      message = JSON.parse(String(data));
    } catch {
      this.#o.log.warn("WebSocket message is not JSON; ignored", {
        data: String(data).slice(0, 200),
      });
      return;
    }
    if (message?.event === "ping") {
      socket.send(JSON.stringify({ event: "pong" }));
      return;
    }
    if (message?.event !== NEW_VERSION_AVAILABLE) {
      this.#o.log.debug("WebSocket event ignored", { event: message?.event });
      return;
    }
    const payload = NewVersionPayload.safeParse(message.payload);
    if (!payload.success) {
      this.#o.log.warn("Invalid new-version notice; ignored", { payload: message.payload });
      return;
    }
    this.#o.onNewVersion(payload.data);
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const delay = backoffDelay(this.#attempt++, this.#o.reconnectBaseMs, this.#o.reconnectMaxMs);
    this.#o.log.info("WebSocket reconnecting", { retry_in_ms: delay, attempt: this.#attempt });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) this.#connect();
    }, delay);
  }
}
