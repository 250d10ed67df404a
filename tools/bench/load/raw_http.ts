/**
 * A minimal HTTP/1.1 keep-alive client for rate measurements. Deno's fetch
 * costs the load process about twice the CPU per request that the server
 * spends answering a small route, so on a 2-core machine a fetch-driven
 * test measures the client. This one writes prepared request bytes and reads
 * just enough of the reply (status, Content-Length) to find its end.
 */

const HEADER_END = new TextEncoder().encode("\r\n\r\n");

export interface RawReply {
  status: number;
  bodyBytes: number;
  /** The body, when asked for (`keepBody`). */
  body: Uint8Array | null;
}

/** The bytes of a GET request to `url` with `headers`, on a kept-alive connection. */
export function encodeGet(url: URL, headers: Record<string, string>): Uint8Array {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n");
}

function indexOfHeaderEnd(buf: Uint8Array, length: number): number {
  for (let i = buf.indexOf(13); i !== -1 && i + 3 < length; i = buf.indexOf(13, i + 1)) {
    if (buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  }
  return -1;
}

export class RawHttpConnection {
  #buf = new Uint8Array(64 * 1024);
  #have = 0;

  private constructor(private readonly conn: Deno.TcpConn) {}

  static async open(url: URL): Promise<RawHttpConnection> {
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
    conn.setNoDelay(true);
    return new RawHttpConnection(conn);
  }

  /**
   * Sends one request and reads its whole reply. With `timeoutMs`, a reply
   * that has not come by then closes the connection and rejects.
   */
  async request(bytes: Uint8Array, keepBody = false, timeoutMs = 0): Promise<RawReply> {
    let timedOut = false;
    const timer = timeoutMs > 0
      ? setTimeout(() => {
        timedOut = true;
        this.close();
      }, timeoutMs)
      : undefined;
    try {
      return await this.#exchange(bytes, keepBody);
    } catch (error) {
      throw timedOut ? new Error(`No reply in ${timeoutMs} ms`) : error;
    } finally {
      clearTimeout(timer);
    }
  }

  async #exchange(bytes: Uint8Array, keepBody: boolean): Promise<RawReply> {
    for (let done = 0; done < bytes.length;) done += await this.conn.write(bytes.subarray(done));
    let end;
    while ((end = indexOfHeaderEnd(this.#buf, this.#have)) < 0) await this.#fill();
    const head = new TextDecoder().decode(this.#buf.subarray(0, end));
    const status = Number(head.slice(9, 12));
    const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!match && status !== 204 && status !== 304) {
      throw new Error(`Reply without Content-Length (status ${status})`);
    }
    const bodyBytes = match ? Number(match[1]) : 0;
    const total = end + HEADER_END.length + bodyBytes;
    if (total > this.#buf.length) throw new Error(`Reply of ${total} bytes is too large`);
    while (this.#have < total) await this.#fill();
    const body = keepBody ? this.#buf.slice(total - bodyBytes, total) : null;
    this.#buf.copyWithin(0, total, this.#have);
    this.#have -= total;
    return { status, bodyBytes, body };
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // closed by the server
    }
  }

  async #fill(): Promise<void> {
    if (this.#have === this.#buf.length) throw new Error("Reply headers too large");
    const n = await this.conn.read(this.#buf.subarray(this.#have));
    if (n === null) throw new Error("Connection closed by the server");
    this.#have += n;
  }
}
