/**
 * `update_result.json`: left for the next agent start whenever an update does
 * not end with the new version confirmed. The agent reports it to the server
 * (so admins see every failed update) and deletes it.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../host/fs_retry.ts";
import type { Failure } from "./journal.ts";
import { RESULT_NAME, type UpdateOutcome, type UpdateResult } from "../package/layout.ts";
import { dataDirOf } from "../package/data_dir.ts";

export async function writeResult(
  installDir: string,
  outcome: UpdateOutcome,
  versions: { from_version: string | null; to_version: string | null },
  failure: Failure,
): Promise<UpdateResult> {
  const result: UpdateResult = {
    outcome,
    from_version: versions.from_version,
    to_version: versions.to_version,
    failed_step: failure.failed_step,
    error_type: failure.error_type,
    message: failure.message,
    ...(failure.reason ? { key_id: failure.key_id ?? null, reason: failure.reason } : {}),
    finished_at: new Date().toISOString(),
  };
  await writeFileAtomic(join(dataDirOf(installDir), RESULT_NAME), JSON.stringify(result, null, 2));
  return result;
}
