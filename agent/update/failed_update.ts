/**
 * Remembers a version whose update failed on this machine (the updater rolled
 * back), so a broken release that stays stable is not installed again and again:
 * without it, the restarted old agent checks at once, is offered the same
 * version, and loops through download, swap and rollback until an admin pulls it.
 * The version is retried after `retryAfterMs`, and any other version goes ahead.
 */
import { readTextIfExists, writeJsonAtomic } from "../atomic_file.ts";

export interface FailedUpdate {
  version: string;
  failed_at: string;
  error_type: string;
}

export async function recordFailedUpdate(path: string, failure: FailedUpdate): Promise<void> {
  await writeJsonAtomic(path, failure);
}

/**
 * The failure that holds back `version` now, or null when it may be installed
 * (another version failed, the retry time has passed, or nothing failed).
 */
export async function blockingFailure(
  path: string,
  version: string,
  retryAfterMs: number,
  now = Date.now(),
): Promise<FailedUpdate | null> {
  const text = await readTextIfExists(path);
  if (text === null) return null;
  let failure: FailedUpdate;
  try {
    failure = JSON.parse(text);
  } catch {
    return null; // an unreadable record must not block updates for good
  }
  if (failure.version !== version) return null;
  return now - Date.parse(failure.failed_at) < retryAfterMs ? failure : null;
}
