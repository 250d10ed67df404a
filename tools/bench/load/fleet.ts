/**
 * A fleet of simulated agents in one process. They enroll for real
 * (`POST /api/agent/register` with the enrollment token), then hold the agent
 * WebSocket with the same headers the agent sends, answer the server's pings,
 * reconnect with backoff when the socket drops, and note when
 * `agent:new_version_available` arrives.
 */
import {
  AGENT_ID_HEADER,
  AGENT_TOKEN_HEADER,
  AGENT_VERSION_HEADER,
  ENROLLMENT_TOKEN_HEADER,
  NEW_VERSION_AVAILABLE,
} from "../../../protocol/mod.ts";
import { reconnectDelay } from "../../../agent/backoff.ts";
import { forEachLimited, sleep, wallMs } from "./pool.ts";

/** Deno's WebSocket takes handshake headers; the "dom" lib types only the browser form. */
const DenoWebSocket = WebSocket as unknown as new (
  url: string,
  options: { headers: HeadersInit },
) => WebSocket;

export const FLEET_VERSION = "1.0.0";

/** A failed handshake's reason, short enough to count: the HTTP status when there was one. */
export function failureReason(message: string): string {
  const status = /\b([1-5]\d\d)\b/.exec(message)?.[1];
  if (status) return `HTTP ${status}`;
  if (/refused/i.test(message)) return "connection refused";
  if (/timed out/i.test(message)) return "timed out";
  if (/reset/i.test(message)) return "connection reset";
  return message.replace(/^handshake failed: /, "").slice(0, 120);
}

export interface Credentials {
  agent_id: string;
  agent_token: string;
}

export class Fleet {
  readonly creds: Credentials[] = [];
  readonly sockets: (WebSocket | null)[] = [];
  /** Wall-clock ms when each agent got the new-version event; NaN until it does. */
  eventAt = new Float64Array(0);
  /** Sockets closed by the server or the network while they were meant to stay open. */
  drops = 0;
  /** Dropped sockets opened again. */
  reconnects = 0;
  onReconnected: ((agent: number) => void) | null = null;
  /** Wall-clock ms of each reconnect that succeeded (a storm's handshake rate). */
  reopenedAt: number[] = [];
  /** Failed handshakes of reconnects, by reason ("503", "connection refused", ...). */
  failures = new Map<string, number>();
  #closing = false;
  onNewVersion: ((agent: number, version: string) => void) | null = null;

  constructor(readonly serverUrl: string) {}

  headers(agent: number): Record<string, string> {
    const c = this.creds[agent];
    return {
      [AGENT_ID_HEADER]: c.agent_id,
      [AGENT_TOKEN_HEADER]: c.agent_token,
      [AGENT_VERSION_HEADER]: FLEET_VERSION,
    };
  }

  /** Enrolls `count` agents, `concurrency` registrations at a time. */
  async enroll(enrollmentToken: string, count: number, concurrency: number) {
    const started = performance.now();
    let failed = 0;
    let lastError = "";
    await forEachLimited(count, concurrency, async (i) => {
      try {
        const res = await fetch(`${this.serverUrl}/api/agent/register`, {
          method: "POST",
          headers: {
            [ENROLLMENT_TOKEN_HEADER]: enrollmentToken,
            [AGENT_VERSION_HEADER]: FLEET_VERSION,
            "content-type": "application/json",
          },
          body: JSON.stringify({
            hostname: `bench-${i}`,
            os: "windows",
            agent_version: FLEET_VERSION,
          }),
          signal: AbortSignal.timeout(60_000),
        });
        if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
        this.creds.push(await res.json());
      } catch (error) {
        failed++;
        lastError = (error as Error).message;
      }
    });
    return {
      enrolled: this.creds.length,
      failed,
      last_error: lastError,
      ms: performance.now() - started,
    };
  }

  /** Opens every agent's WebSocket, `concurrency` handshakes at a time, up to 3 tries each. */
  async connect(concurrency: number) {
    const started = performance.now();
    this.eventAt = new Float64Array(this.creds.length).fill(NaN);
    let failed = 0;
    let lastError = "";
    await forEachLimited(this.creds.length, concurrency, async (i) => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          this.sockets[i] = await this.#open(i);
          return;
        } catch (error) {
          lastError = (error as Error).message;
          await sleep(200 * attempt);
        }
      }
      failed++;
    });
    return {
      connected: this.openCount(),
      failed,
      last_error: lastError,
      ms: performance.now() - started,
    };
  }

  openCount(): number {
    return this.sockets.filter((s) => s?.readyState === WebSocket.OPEN).length;
  }

  received(): number {
    return this.eventAt.reduce((n, t) => n + (Number.isNaN(t) ? 0 : 1), 0);
  }

  resetEvents(): void {
    this.eventAt.fill(NaN);
  }

  /** Closes every socket; closes from here on are not counted as drops. */
  async closeAll(): Promise<void> {
    this.#closing = true;
    for (const s of this.sockets) s?.close(1000, "bench done");
    const deadline = Date.now() + 10_000;
    while (this.openCount() > 0 && Date.now() < deadline) await sleep(100);
  }

  #open(i: number): Promise<WebSocket> {
    const url = this.serverUrl.replace(/^http/, "ws") + "/api/agent/ws";
    const socket = new DenoWebSocket(url, { headers: this.headers(i) });
    const { promise, resolve, reject } = Promise.withResolvers<WebSocket>();
    let opened = false;
    const timer = setTimeout(() => {
      reject(new Error("handshake timed out after 30 s"));
      socket.close();
    }, 30_000);
    socket.onopen = () => {
      opened = true;
      clearTimeout(timer);
      resolve(socket);
    };
    socket.onerror = (event) => {
      if (!opened) {
        reject(new Error(`handshake failed: ${(event as ErrorEvent).message ?? "error"}`));
      }
    };
    socket.onclose = (event) => {
      clearTimeout(timer);
      if (!opened) reject(new Error("closed during handshake"));
      else if (!this.#closing) {
        this.drops++;
        this.#reconnect(i, 0, event.code);
      }
    };
    socket.onmessage = (event) => this.#message(i, socket, event.data);
    return promise;
  }

  /**
   * Reopens a dropped socket the way agent/net/ws_client.ts does, with the
   * agent's `reconnectDelay` (after a 1012 "Service Restart" close, 0.5–2 s
   * retries first; otherwise between half and all of min(60 s, 1 s * 2^attempt)),
   * until it is open or the fleet closes. `onReconnected` then runs, as the agent checks for an
   * update it may have missed.
   */
  #reconnect(i: number, attempt: number, closeCode: number): void {
    setTimeout(async () => {
      if (this.#closing) return;
      try {
        this.sockets[i] = await this.#open(i);
        this.reconnects++;
        this.reopenedAt.push(wallMs());
        this.onReconnected?.(i);
      } catch (error) {
        const reason = failureReason((error as Error).message);
        this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
        this.#reconnect(i, attempt + 1, closeCode);
      }
    }, reconnectDelay(attempt, closeCode, 1000, 60_000));
  }

  #message(i: number, socket: WebSocket, data: unknown): void {
    const at = wallMs();
    let message: { event?: string; payload?: { new_stable_version?: string } };
    try {
      message = JSON.parse(String(data));
    } catch {
      return;
    }
    if (message.event === "ping") socket.send(JSON.stringify({ event: "pong" }));
    if (message.event !== NEW_VERSION_AVAILABLE) return;
    if (Number.isNaN(this.eventAt[i])) this.eventAt[i] = at;
    this.onNewVersion?.(i, String(message.payload?.new_stable_version));
  }
}
