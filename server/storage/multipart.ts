/**
 * A small streaming `multipart/form-data` parser. Hono's `parseBody()` keeps a
 * whole upload in memory; this one hands out each part's body as it arrives, so
 * a 1 GiB package passes through a few buffers of at most a network chunk
 * plus the boundary.
 */
export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  /** The part's bytes. Read it before asking for the next part (or it is skipped). */
  body: AsyncIterable<Uint8Array>;
}

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PARTS = 100;
const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");
const HEADER_END = encoder.encode("\r\n\r\n");

/**
 * Where `needle` first occurs in `hay`, or -1. Finds candidates with the
 * native `Uint8Array.indexOf` of the first byte, then compares the rest
 * (node:buffer's indexOf is several times slower under Deno).
 */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The boundary of a `multipart/form-data` content type, or null. */
export function boundaryOf(contentType: string | null | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const match = contentType.match(/;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i);
  return match ? (match[1] ?? match[2]) : null;
}

/** A parameter of a `Content-Disposition` header (`name="file"`), unquoted. */
function dispositionParam(header: string, param: string): string | null {
  const pattern = new RegExp(`;\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i");
  const match = header.match(pattern);
  if (!match) return null;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2];
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  return headers;
}

/** Parses `stream` part by part. Stops reading the stream when the caller stops. */
export async function* parseMultipart(
  stream: ReadableStream<Uint8Array>,
  boundary: string,
): AsyncGenerator<MultipartPart> {
  const reader = stream.getReader();
  // A leading CRLF lets the first delimiter be found like every other one.
  let buf: Uint8Array = CRLF;
  let ended = false;
  const delimiter = encoder.encode(`\r\n--${boundary}`);

  async function more(): Promise<void> {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      throw new MultipartError("Body ended before the closing multipart boundary");
    }
    buf = concat(buf, value);
  }

  async function* partBody(state: { done: boolean }): AsyncGenerator<Uint8Array> {
    while (true) {
      const at = indexOfBytes(buf, delimiter);
      if (at >= 0) {
        const last = buf.subarray(0, at);
        buf = buf.subarray(at + delimiter.length);
        state.done = true;
        if (last.length > 0) yield last;
        return;
      }
      // Keep what could be the start of a delimiter split across chunks.
      const safe = buf.length - (delimiter.length - 1);
      if (safe > 0) {
        const out = buf.subarray(0, safe);
        buf = buf.subarray(safe);
        yield out;
      }
      await more();
    }
  }

  try {
    while (indexOfBytes(buf, delimiter) < 0) {
      if (buf.length > MAX_HEADER_BYTES) throw new MultipartError("No multipart boundary found");
      await more();
    }
    buf = buf.subarray(indexOfBytes(buf, delimiter) + delimiter.length);
    for (let count = 0;; count++) {
      while (buf.length < 2) await more();
      if (buf[0] === 0x2d && buf[1] === 0x2d) return; // "--": the closing delimiter
      if (buf[0] !== 0x0d || buf[1] !== 0x0a) throw new MultipartError("Malformed multipart body");
      if (count >= MAX_PARTS) throw new MultipartError(`More than ${MAX_PARTS} multipart parts`);
      let end: number;
      while ((end = indexOfBytes(buf, HEADER_END)) < 0) {
        if (buf.length > MAX_HEADER_BYTES) throw new MultipartError("Multipart headers too large");
        await more();
      }
      const headers = parseHeaders(new TextDecoder().decode(buf.subarray(2, end)));
      buf = buf.subarray(end + HEADER_END.length);
      const disposition = headers.get("content-disposition") ?? "";
      const name = dispositionParam(disposition, "name");
      if (!/^form-data\b/i.test(disposition) || name === null) {
        throw new MultipartError("A multipart part has no form-data name");
      }
      const state = { done: false };
      yield {
        name,
        filename: dispositionParam(disposition, "filename"),
        contentType: headers.get("content-type") ?? null,
        body: partBody(state),
      };
      if (!state.done) { for await (const _ of partBody(state)) { /* skip the unread rest */ } }
    }
  } finally {
    if (!ended) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Reads a small text field, refusing more than `maxBytes`. */
export async function readPartText(part: MultipartPart, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of part.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new MultipartError(`Field "${part.name}" is over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(chunks.reduce(concat, new Uint8Array()));
}
