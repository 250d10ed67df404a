/**
 * Remembers a version whose update failed on this machine because of the
 * version itself (its agent did not start, or its package was unusable), so a
 * broken release that stays stable is not installed again and again: without
 * it, the restarted old agent checks at once, is offered the same version, and
 * loops through download, swap and rollback until an admin pulls it. The
 * version is retried after a while, and any other version goes ahead. An update
 * that was merely interrupted (the updater killed, a timeout) is not recorded.
 */
import { readTextIfExists, writeJsonAtomic } from "../atomic_file.ts";

export interface FailedUpdate {
  version: string;
  failed_at: string;
  error_type: string;
}

/** Error types that say the version itself is at fault. */
const VERSION_FAULTS = new Set(["UpdateLaunchFailed", "UpdateExtractionFailed"]);

/** Records `failure` when its type blames the version; returns what is recorded now. */
export async function recordFailedUpdate(
  path: string,
  failure: FailedUpdate,
): Promise<FailedUpdate | null> {
  if (!VERSION_FAULTS.has(failure.error_type)) return null;
  await writeJsonAtomic(path, failure);
  return failure;
}

/** The recorded failure, or null when there is none (or it cannot be read). */
export async function readFailedUpdate(path: string): Promise<FailedUpdate | null> {
  const text = await readTextIfExists(path);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null; // an unreadable record must not block updates for good
  }
}

/** True when `failure` holds back `version` at `now`. */
export function blocksVersion(
  failure: FailedUpdate | null,
  version: string,
  retryAfterMs: number,
  now = Date.now(),
): failure is FailedUpdate {
  return failure !== null && failure.version === version &&
    now - Date.parse(failure.failed_at) < retryAfterMs;
}
