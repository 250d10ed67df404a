/**
 * A loopback TCP proxy for download tests: it forwards bytes both ways
 * unchanged, watches the requests going up for package downloads
 * (`/agent-packages/`), and does to the replies of those what a bad link
 * does — cut the connection after so many bytes, or deliver nothing at all.
 * It counts what it saw: each package request's `Range` header, and every
 * package byte it handed to the agent's socket with the time it did.
 */
export interface TcpProxyOptions {
  /** Close a package connection after this many bytes of reply (headers included). */
  cutAfterBytes?: number;
  /** Pass this many bytes of each package reply, then swallow the rest: the link goes silent. */
  stallAfterBytes?: number;
  /** Flip the byte at this offset of every package reply (headers included): a corrupting link. */
  corruptAt?: number;
}

export interface TcpProxy {
  url: string;
  /** The `Range` header of each package request, in order (null: from byte 0). */
  packageRequests: (string | null)[];
  /** [performance.now() ms, bytes] of every write of package reply bytes to the agent. */
  deliveries: [number, number][];
  /** Package reply bytes handed to the agent in all. */
  deliveredBytes(): number;
  /** The most package bytes handed to the agent in any window of `ms`. */
  maxInWindow(ms: number): number;
  /** Connections cut so far. */
  cuts(): number;
  setOptions(options: TcpProxyOptions): void;
  close(): Promise<void>;
}

export function startTcpProxy(targetUrl: string, options: TcpProxyOptions = {}): TcpProxy {
  const target = new URL(targetUrl);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const packageRequests: (string | null)[] = [];
  const deliveries: [number, number][] = [];
  let cuts = 0;
  let current = { ...options };

  const handle = async (agent: Deno.Conn) => {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
    } catch {
      agent.close();
      return;
    }
    open.add(agent).add(server);
    // Which request the bytes coming back answer: the last one seen going up.
    const state = { pkg: false, sent: 0 };
    const closeBoth = () => {
      for (const c of [agent, server]) {
        open.delete(c);
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    };
    const up = async () => {
      const decoder = new TextDecoder("latin1");
      for await (const chunk of agent.readable.values({ preventCancel: true })) {
        const text = decoder.decode(chunk);
        const line = /^(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+) HTTP\/1\.1\r\n/m.exec(text);
        if (line) {
          state.pkg = line[2].includes("/agent-packages/");
          state.sent = 0;
          if (state.pkg) {
            packageRequests.push(/^range: *(.+?)\r$/im.exec(text)?.[1] ?? null);
          }
        }
        await writeAll(server, chunk);
      }
    };
    const down = async () => {
      for await (const chunk of server.readable.values({ preventCancel: true })) {
        if (!state.pkg) {
          await writeAll(agent, chunk);
          continue;
        }
        const cut = current.cutAfterBytes ?? current.stallAfterBytes;
        const part = cut === undefined ? chunk : chunk.subarray(0, Math.max(0, cut - state.sent));
        if (part.length === 0) continue;
        const flip = (current.corruptAt ?? -1) - state.sent;
        if (flip >= 0 && flip < part.length) part[flip] ^= 0xff;
        await writeAll(agent, part);
        state.sent += part.length;
        deliveries.push([performance.now(), part.length]);
        if (current.cutAfterBytes !== undefined && state.sent >= current.cutAfterBytes) {
          cuts++;
          return;
        }
      }
    };
    // A cut closes both sockets, which ends the other direction's loop with an error.
    await Promise.race([up().catch(() => {}), down().catch(() => {})]);
    closeBoth();
  };

  (async () => {
    for await (const conn of listener) void handle(conn);
  })().catch(() => {});

  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    packageRequests,
    deliveries,
    deliveredBytes: () => deliveries.reduce((sum, [, n]) => sum + n, 0),
    maxInWindow(ms) {
      let best = 0;
      let sum = 0;
      let start = 0;
      for (const [at, n] of deliveries) {
        sum += n;
        while (deliveries[start][0] <= at - ms) sum -= deliveries[start++][1];
        best = Math.max(best, sum);
      }
      return best;
    },
    cuts: () => cuts,
    setOptions(options) {
      current = { ...options };
    },
    async close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      open.clear();
      await new Promise((r) => setTimeout(r, 10));
    },
  };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}
