/**
 * A raw HTTP/1.1 POST that streams a file with a known `Content-Length`,
 * over TCP or TLS. The release tool uploads packages with it and the bench
 * times the server with it: Deno's fetch sends a stream body chunked and,
 * against a server that writes and hashes as it reads, runs 5-25x slower than
 * curl on loopback (measured with 100 MiB).
 *
 * It speaks to the server directly: callers that must go through an HTTP
 * proxy use fetch instead (see `proxyFor`).
 */

const CHUNK = 1024 * 1024;

export interface PostFileOptions {
  /** Extra request headers; host, content-length and connection are set here. */
  headers: Record<string, string>;
  /** Bytes sent before the file (a multipart head, say). */
  head: Uint8Array;
  path: string;
  /** Bytes sent after the file. */
  tail: Uint8Array;
  /** Told how many bytes of the file are written so far, after each write. */
  onProgress?: (sent: number) => void;
}

export interface PostFileResult {
  status: number;
  statusText: string;
  body: string;
}

/** POSTs `head`, the file at `path`, then `tail`, as one body; returns the reply. */
export async function postFile(url: string, options: PostFileOptions): Promise<PostFileResult> {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new Error(`Cannot POST to ${url}: only http and https are supported`);
  }
  const tls = target.protocol === "https:";
  const port = Number(target.port || (tls ? 443 : 80));
  const size = options.head.length + (await Deno.stat(options.path)).size + options.tail.length;
  const lines = [
    `POST ${target.pathname}${target.search} HTTP/1.1`,
    `host: ${target.host}`,
    `content-length: ${size}`,
    "connection: close",
    ...Object.entries(options.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  // connectTls trusts what fetch trusts, DENO_TLS_CA_STORE=system and DENO_CERT included.
  const conn = tls
    ? await Deno.connectTls({ hostname: target.hostname, port })
    : await Deno.connect({ hostname: target.hostname, port });
  const file = await Deno.open(options.path);
  try {
    if (!tls) (conn as Deno.TcpConn).setNoDelay(true);
    const writeAll = async (bytes: Uint8Array) => {
      for (let done = 0; done < bytes.length;) done += await conn.write(bytes.subarray(done));
    };
    // The reply may come early (an error before the body is read): read it concurrently.
    const reply = readAll(conn);
    let writeError: unknown = null;
    try {
      await writeAll(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
      await writeAll(options.head);
      const buffer = new Uint8Array(CHUNK);
      let sent = 0;
      let n;
      while ((n = await file.read(buffer)) !== null) {
        await writeAll(buffer.subarray(0, n));
        sent += n;
        options.onProgress?.(sent);
      }
      await writeAll(options.tail);
    } catch (error) {
      // The server may have stopped reading to answer early; its reply says why.
      writeError = error;
    }
    const bytes = await reply;
    if (bytes.length === 0) {
      throw new Error(
        `No reply from ${target.host}${
          writeError ? `: ${(writeError as Error).message}` : " (connection closed)"
        }`,
      );
    }
    return parseReply(bytes);
  } finally {
    file.close();
    try {
      conn.close();
    } catch {
      // closed by the server
    }
  }
}

/**
 * The proxy URL the environment names for `url` (HTTPS_PROXY, HTTP_PROXY and
 * NO_PROXY, any case, as curl and Deno's fetch read them), or null.
 */
export function proxyFor(url: string, env: (name: string) => string | undefined): string | null {
  const target = new URL(url);
  const get = (name: string) => env(name) ?? env(name.toLowerCase());
  const noProxy = (get("NO_PROXY") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const host = target.hostname;
  if (noProxy.some((p) => p === "*" || host === p || host.endsWith(`.${p.replace(/^\./, "")}`))) {
    return null;
  }
  const proxy = target.protocol === "https:" ? get("HTTPS_PROXY") : get("HTTP_PROXY");
  return proxy || null;
}

async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  let n;
  try {
    while ((n = await conn.read(buffer)) !== null) chunks.push(buffer.slice(0, n));
  } catch {
    // reset after the reply
  }
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
  return out;
}

function parseReply(bytes: Uint8Array): PostFileResult {
  const text = new TextDecoder().decode(bytes);
  const statusLine = /^HTTP\/1\.[01] (\d{3}) ?([^\r\n]*)/.exec(text);
  if (!statusLine) throw new Error(`Not an HTTP reply: ${JSON.stringify(text.slice(0, 80))}`);
  const headEnd = text.indexOf("\r\n\r\n");
  const head = text.slice(0, headEnd).toLowerCase();
  let body = headEnd < 0 ? "" : text.slice(headEnd + 4);
  if (/\r\ntransfer-encoding: chunked/.test(head)) body = unchunk(body);
  return { status: Number(statusLine[1]), statusText: statusLine[2], body };
}

function unchunk(text: string): string {
  let out = "";
  for (let at = 0; at < text.length;) {
    const lineEnd = text.indexOf("\r\n", at);
    const size = parseInt(text.slice(at, lineEnd), 16);
    if (!size) break;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
  return out;
}
