/**
 * The agent's free-space checks (the rule is package/space.ts): before the
 * download, room for the zip; once the manifest is trusted (step 4, before
 * anything is extracted), room for the staged files and the updater's copy.
 */
import { freeBytesAt, type SpaceNeed } from "../../package/mod.ts";
import { TEST_HOOKS } from "../test_hooks.ts";
import { UpdateError } from "./update_error.ts";

/**
 * Test-only: when set, the resource check believes the volume has this many
 * free bytes. It lets tests simulate a full disk; release builds ignore it
 * (`TEST_HOOKS` in agent/test_hooks.ts).
 */
const FAKE_FREE_BYTES_ENV = "HANGAR_FAKE_FREE_BYTES";

/** Free bytes available to this user on the volume holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const fake = TEST_HOOKS ? Deno.env.get(FAKE_FREE_BYTES_ENV) : undefined;
  if (fake !== undefined && /^\d+$/.test(fake)) return Number(fake);
  return await freeBytesAt(path);
}

/** Throws UpdateResourceCheckFailed unless `path` has `need.required_bytes` free. */
export async function checkResources(
  path: string,
  need: SpaceNeed,
  readFree: (path: string) => Promise<number> = freeBytes,
): Promise<SpaceNeed & { free_bytes: number }> {
  const required = need.required_bytes;
  let free: number;
  try {
    free = await readFree(path);
  } catch (error) {
    throw new UpdateError(
      "UpdateResourceCheckFailed",
      `Cannot read free disk space at ${path}: ${(error as Error).message}`,
      { ...need, path },
      { cause: error },
    );
  }
  if (free < required) {
    throw new UpdateError(
      "UpdateResourceCheckFailed",
      `Not enough free disk space at ${path}: ${free} bytes free, ${required} needed`,
      { ...need, free_bytes: free, path },
    );
  }
  return { ...need, free_bytes: free };
}
