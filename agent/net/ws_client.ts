/**
 * The agent's WebSocket to `/api/agent/ws`: pushed update notices arrive here.
 * It reconnects by itself after any close with capped exponential backoff and
 * jitter (after a 1012 "Service Restart" close, first at a short steady
 * jittered interval: `reconnectDelay`), and hands `agent:new_version_available` to the agent. The server
 * sends nothing else; keep-alive is the WebSocket protocol's own ping, which
 * Deno answers by itself.
 */
import { NEW_VERSION_AVAILABLE, NewVersionPayload, type WsMessage } from "../../protocol/mod.ts";
import type { Logger } from "../log.ts";
import { reconnectDelay } from "../backoff.ts";
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
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
}

/** What the agent is told over the socket. */
export interface NoticeListener {
  onNewVersion: (payload: NewVersionPayload) => void;
  /** Called on every successful connection; `reconnect` is false for the first one. */
  onConnected?: (reconnect: boolean) => void;
}

export class WSClient {
  readonly #options: Required<WSClientOptions>;
  #listener: NoticeListener | null = null;
  #socket: WebSocket | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  /** The close code of the open socket whose loss started the current retries. */
  #lostWith: number | undefined;
  #everConnected = false;
  #closed = false;

  constructor(options: WSClientOptions) {
    this.#options = { reconnectBaseMs: 1000, reconnectMaxMs: 60_000, ...options };
  }

  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Connects, and keeps reconnecting until `close`, telling `listener` what arrives. */
  start(listener: NoticeListener): void {
    this.#listener = listener;
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
    const url = resolveServerUrl(this.#options.serverUrl, "/api/agent/ws");
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let socket: WebSocket;
    try {
      // The agent authenticates the handshake with the same headers as its HTTP requests.
      socket = new DenoWebSocket(url, { headers: this.#options.headers });
    } catch (error) {
      this.#options.log.warn("WebSocket could not be created", { url: url.href, error });
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    let opened = false;
    socket.onopen = () => {
      const reconnect = this.#everConnected;
      this.#everConnected = true;
      opened = true;
      this.#attempt = 0;
      this.#lostWith = undefined;
      this.#options.log.info("WebSocket connected", { url: url.href, reconnect });
      this.#listener?.onConnected?.(reconnect);
    };
    socket.onmessage = (event) => this.#onMessage(event.data);
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      // A failed handshake closes with 1006; the retries keep the code the open socket closed with.
      if (opened) this.#lostWith = event.code;
      if (this.#closed) return;
      this.#options.log.warn("WebSocket closed", { code: event.code, reason: event.reason });
      this.#scheduleReconnect();
    };
    // A failed handshake fires error then close; the close handler reconnects.
    socket.onerror = () => {};
  }

  #onMessage(data: unknown): void {
    let message: WsMessage;
    try {
      message = JSON.parse(String(data));
    } catch {
      this.#options.log.warn("WebSocket message is not JSON; ignored", {
        data: String(data).slice(0, 200),
      });
      return;
    }
    if (message?.event !== NEW_VERSION_AVAILABLE) {
      this.#options.log.debug("WebSocket event ignored", { event: message?.event });
      return;
    }
    const payload = NewVersionPayload.safeParse(message.payload);
    if (!payload.success) {
      this.#options.log.warn("Invalid new-version notice; ignored", { payload: message.payload });
      return;
    }
    this.#listener?.onNewVersion(payload.data);
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const delay = reconnectDelay(
      this.#attempt++,
      this.#lostWith,
      this.#options.reconnectBaseMs,
      this.#options.reconnectMaxMs,
    );
    this.#options.log.info("WebSocket reconnecting", {
      retry_in_ms: delay,
      attempt: this.#attempt,
    });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) this.#connect();
    }, delay);
  }
}
