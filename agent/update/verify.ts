/**
 * Step 3 of an update: the downloaded package's SHA-256, computed while
 * streaming the file in 1 MiB reads (never the whole file in memory).
 */
import { createHash } from "node:crypto";

const CHUNK = 1024 * 1024;

/** The lowercase hex SHA-256 of the file at `path`. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  try {
    const buffer = new Uint8Array(CHUNK);
    while (true) {
      const count = await file.read(buffer);
      if (count === null) break;
      hash.update(buffer.subarray(0, count));
    }
  } finally {
    file.close();
  }
  return hash.digest("hex");
}
