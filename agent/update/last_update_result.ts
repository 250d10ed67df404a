/**
 * What the last update left for this start: the updater's
 * `update_result.json` (written whenever an update did not end with the new
 * version confirmed), completed with `config/update_attempt.json` (which
 * version the agent handed over), so a result that cannot name its version —
 * a package refused before its manifest was read, a torn file — still holds
 * that version back.
 */
import { createHash } from "node:crypto";
import type { AgentPaths } from "../paths.ts";
import { readTextIfExists } from "../atomic_file.ts";
import { readUpdateAttempt } from "./held_versions.ts";

export interface LastUpdateResult {
  errorType: string;
  message: string;
  details: Record<string, unknown>;
  /** The version the failed update was to install, when known. */
  toVersion: string | null;
  /** Derived from the file, so a crash before `remove` cannot report it twice. */
  reportId: string;
  /** Removes the result (once reported) and the attempt record it completes. */
  remove(): Promise<void>;
}

/** The last update's failure, or null when it succeeded or there was none. */
export async function readLastUpdateResult(
  paths: AgentPaths,
  runningVersion: string,
): Promise<LastUpdateResult | null> {
  const attempt = await readUpdateAttempt(paths.updateAttempt);
  const text = await readTextIfExists(paths.updateResult);
  if (text === null) {
    // The handed-over version runs: that attempt succeeded.
    if (attempt?.to_version === runningVersion) await removeIfExists(paths.updateAttempt);
    return null;
  }
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
    createHash("sha256").update(text).update(attempt?.attempt_id ?? "").digest("hex").slice(0, 32);
  return {
    errorType,
    message,
    details,
    toVersion,
    reportId,
    async remove() {
      await removeIfExists(paths.updateResult);
      await removeIfExists(paths.updateAttempt);
    },
  };
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
