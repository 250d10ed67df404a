/**
 * Step 1 of an update: enough free disk space for the package, its extracted
 * updater and the updater's backup and staging copies — `factor` (3) times
 * the package size on the install dir's volume.
 */
import { statfs } from "node:fs/promises";
import { UpdateError } from "./update_error.ts";

/**
 * Test-only: when set, the resource check believes the volume has this many
 * free bytes. It lets tests simulate a full disk; nothing else reads it.
 */
export const FAKE_FREE_BYTES_ENV = "HANGAR_FAKE_FREE_BYTES";

/** Free bytes available to this user on the volume holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const fake = Deno.env.get(FAKE_FREE_BYTES_ENV);
  if (fake !== undefined && /^\d+$/.test(fake)) return Number(fake);
  const stats = await statfs(path);
  return Number(stats.bavail) * Number(stats.bsize);
}

/** Throws UpdateResourceCheckFailed unless `path` has `factor` × `packageSize` bytes free. */
export async function checkResources(
  path: string,
  packageSize: number,
  factor: number,
  readFree: (path: string) => Promise<number> = freeBytes,
): Promise<{ required_bytes: number; free_bytes: number }> {
  const required = Math.ceil(packageSize * factor);
  let free: number;
  try {
    free = await readFree(path);
  } catch (error) {
    throw new UpdateError(
      "UpdateResourceCheckFailed",
      `Cannot read free disk space at ${path}: ${(error as Error).message}`,
      { path, required_bytes: required },
      { cause: error },
    );
  }
  if (free < required) {
    throw new UpdateError(
      "UpdateResourceCheckFailed",
      `Not enough free disk space at ${path}: ${free} bytes free, ${required} needed`,
      { required_bytes: required, free_bytes: free, path },
    );
  }
  return { required_bytes: required, free_bytes: free };
}
