/**
 * A raw HTTP/1.1 POST that streams a file with a known `Content-Length`.
 * The bench uploads with it instead of `fetch`: Deno's fetch sends a stream
 * body chunked and, against a server that writes and hashes as it reads,
 * runs 5-25x slower than curl on loopback (measured with 100 MiB), which
 * would time the client instead of the server.
 */
import { MiB } from "./process.ts";

export interface PostFileResult {
  status: number;
  body: string;
}

/** POSTs `head`, the file at `path`, then `tail`, as one body; returns the reply. */
export async function postFile(
  url: string,
  headers: Record<string, string>,
  head: Uint8Array,
  path: string,
  tail: Uint8Array,
): Promise<PostFileResult> {
  const target = new URL(url);
  const size = head.length + (await Deno.stat(path)).size + tail.length;
  const lines = [
    `POST ${target.pathname}${target.search} HTTP/1.1`,
    `host: ${target.host}`,
    `content-length: ${size}`,
    "connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  const conn = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
  const file = await Deno.open(path);
  try {
    conn.setNoDelay(true);
    const writeAll = async (bytes: Uint8Array) => {
      for (let done = 0; done < bytes.length;) done += await conn.write(bytes.subarray(done));
    };
    // The reply may come early (an error before the body is read): read it concurrently.
    const reply = readAll(conn);
    try {
      await writeAll(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
      await writeAll(head);
      const buffer = new Uint8Array(MiB);
      let n;
      while ((n = await file.read(buffer)) !== null) await writeAll(buffer.subarray(0, n));
      await writeAll(tail);
    } catch {
      // The server stopped reading; its reply says why.
    }
    return parseReply(await reply);
  } finally {
    file.close();
    try {
      conn.close();
    } catch {
      // closed by the server
    }
  }
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
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
  const headEnd = text.indexOf("\r\n\r\n");
  const head = text.slice(0, headEnd).toLowerCase();
  let body = headEnd < 0 ? "" : text.slice(headEnd + 4);
  if (/\r\ntransfer-encoding: chunked/.test(head)) body = unchunk(body);
  return { status, body };
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
