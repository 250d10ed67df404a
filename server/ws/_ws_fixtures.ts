/** WebSocket clients for tests: a collecting client, and a raw TCP upgrade that never answers. */
import type { WsMessage } from "../../protocol/mod.ts";

export interface TestSocket {
  messages: WsMessage[];
  /** Resolves with the first message (already received or next) whose event is `event`. */
  next(event: string, ms?: number): Promise<WsMessage>;
  close(): Promise<void>;
}

/** Opens a WebSocket with `headers` and waits until it is open. */
export async function openSocket(
  url: string,
  headers: Record<string, string>,
): Promise<TestSocket> {
  const ws = new WebSocket(url.replace(/^http/, "ws"), { headers } as unknown as string[]);
  const messages: WsMessage[] = [];
  const waiters: (() => void)[] = [];
  ws.onmessage = (e) => {
    messages.push(JSON.parse(String(e.data)));
    for (const wake of waiters.splice(0)) wake();
  };
  const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = (e) => reject(new Error(`WebSocket ${url} failed: ${(e as ErrorEvent).message}`));
  });
  return {
    messages,
    async next(event, ms = 5_000) {
      const deadline = Date.now() + ms;
      while (true) {
        const found = messages.find((m) => m.event === event);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(`No "${event}" within ${ms} ms; got ${JSON.stringify(messages)}`);
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          timer = setTimeout(resolve, left);
        });
        clearTimeout(timer);
      }
    },
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
      await closed;
    },
  };
}

/**
 * Sends a WebSocket upgrade request over plain TCP and reads the status line.
 * The connection stays open and never answers pings: a dead client.
 */
export async function rawUpgrade(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; conn: Deno.TcpConn }> {
  const { hostname, port, pathname } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const lines = [
    `GET ${pathname} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    "",
    "",
  ];
  await conn.write(new TextEncoder().encode(lines.join("\r\n")));
  const buffer = new Uint8Array(4096);
  const n = await conn.read(buffer);
  const head = new TextDecoder().decode(buffer.subarray(0, n ?? 0));
  return { status: Number(head.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0), conn };
}
