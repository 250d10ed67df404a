/**
 * Byte ranges for resumable downloads: parsing a `Range` header and streaming
 * a slice of an open file in fixed-size reads, so a download of any size holds
 * one read buffer at a time and goes only as fast as the client takes it.
 */

const READ_SIZE = 256 * 1024;

export interface ByteRange {
  start: number;
  /** Inclusive, as in `Content-Range`. */
  end: number;
}

/**
 * Parses a single-range `Range` header against a file of `size` bytes.
 * Returns the range, "unsatisfiable" (answer 416), or null to send the whole
 * file (no header, another unit, several ranges, or a malformed one — RFC 9110
 * lets a server ignore those).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | "unsatisfiable" | null {
  if (!header) return null;
  const match = header.trim().match(/^bytes=(\d*)-(\d*)$/i);
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? Infinity : Number(match[2]);
  if (end < start) return null;
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(end, size - 1) };
}

/**
 * Streams bytes `start..end` (inclusive) of `file`, then closes it. `onDone`
 * runs once, whether the stream finished, failed or the client went away.
 */
export function fileRangeStream(
  file: Deno.FsFile,
  range: ByteRange,
  onDone: () => void,
): ReadableStream<Uint8Array> {
  let position = range.start;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    try {
      file.close();
    } catch {
      // already closed
    }
    onDone();
  };
  return new ReadableStream<Uint8Array>({
    async start() {
      try {
        await file.seek(range.start, Deno.SeekMode.Start);
      } catch (error) {
        finish();
        throw error;
      }
    },
    async pull(controller) {
      try {
        const want = Math.min(READ_SIZE, range.end + 1 - position);
        if (want <= 0) {
          finish();
          controller.close();
          return;
        }
        const buffer = new Uint8Array(want);
        const n = await file.read(buffer);
        if (n === null) {
          throw new Error(`File ended at byte ${position}, expected ${range.end + 1}`);
        }
        position += n;
        controller.enqueue(n === want ? buffer : buffer.subarray(0, n));
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel() {
      finish();
    },
  }, { highWaterMark: 1 });
}
