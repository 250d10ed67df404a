/**
 * What the last update left for this start: the updater's
 * `update_result.json` (written whenever an update did not end with the new
 * version confirmed), completed with the attempt the update-status reporter
 * keeps across the hand-over (`config/update_status_attempt.json`: which
 * version the agent handed over), so a result that cannot name its version —
 * a package refused before its manifest was read, a torn file — still holds
 * that version back. The attempt file is the reporter's to remove.
 */
import { createHash } from "node:crypto";
import type { AgentPaths } from "../paths.ts";
import { readTextIfExists } from "../atomic_file.ts";

export interface LastUpdateResult {
  errorType: string;
  message: string;
  details: Record<string, unknown>;
  /** The version the failed update was to install, when known. */
  toVersion: string | null;
  /** Derived from the file, so a crash before `remove` cannot report it twice. */
  reportId: string;
  /** Removes the result (once reported). */
  remove(): Promise<void>;
}

/** The last update's failure, or null when it succeeded or there was none. */
export async function readLastUpdateResult(paths: AgentPaths): Promise<LastUpdateResult | null> {
  const text = await readTextIfExists(paths.updateResult);
  if (text === null) return null;
  const attempt = await readAttempt(paths.updateStatusAttempt);
  let result: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text);
    result = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? parsed
      : { unreadable_result: preview(text), result_bytes: text.length };
  } catch {
    // A file torn by a power cut (often all zero bytes): say so, readably.
    result = { unreadable_result: preview(text), result_bytes: text.length };
  }
  const fromResult = typeof result.to_version === "string" ? result.to_version : null;
  const toVersion = fromResult ?? attempt?.to_version ?? null;
  const details: Record<string, unknown> = {
    ...result,
    to_version: toVersion,
    ...(result.from_version === undefined && attempt ? { from_version: attempt.from_version } : {}),
    ...(attempt ? { attempt_id: attempt.attempt_id } : {}),
  };
  const errorType = typeof result.error_type === "string"
    ? result.error_type
    : "UpdateGeneralFailure";
  const message = typeof result.message === "string"
    ? result.message
    : "unreadable_result" in result
    ? `The updater's result file is unreadable (${text.length} bytes); the update to ${
      toVersion ?? "an unknown version"
    } did not complete`
    : `Update from ${details.from_version} to ${toVersion} did not complete`;
  const reportId = "update-result-" +
    createHash("sha256").update(text).digest("hex").slice(0, 32);
  return {
    errorType,
    message,
    details,
    toVersion,
    reportId,
    async remove() {
      await removeIfExists(paths.updateResult);
    },
  };
}

interface Attempt {
  attempt_id: string;
  from_version: string;
  to_version: string;
}

async function readAttempt(path: string): Promise<Attempt | null> {
  try {
    const parsed = JSON.parse(await readTextIfExists(path) ?? "null");
    return typeof parsed?.to_version === "string" && typeof parsed.attempt_id === "string"
      ? parsed
      : null;
  } catch {
    return null;
  }
}

/** The start of `text` with control characters and lone surrogates made visible. */
function preview(text: string): string {
  return text.slice(0, 200).replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

async function removeIfExists(path: string): Promise<void> {
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
