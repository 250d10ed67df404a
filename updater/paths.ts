/**
 * The names the updater reads and writes inside an install dir, and the path
 * rules for package entries. The updater keeps its own copy of the zip-slip
 * rule (`protocol/package.ts` has the server's): it imports nothing but
 * `agent/version.ts` and its own files.
 */
import { join } from "node:path";

export const MANIFEST_NAME = "manifest.json";
export const SIGNATURE_NAME = "manifest.sig";
export const STAGING_DIR = "_staging_new";
export const BACKUP_DIR = "_backup_old";
export const JOURNAL_NAME = "_update_journal.json";
export const HEALTH_NAME = "agent_health.json";
export const RESULT_NAME = "update_result.json";
export const PORTABLE_PLATFORM = "portable";

/**
 * Top-level names that belong to the agent's data or to the update machinery,
 * never to the installed package (docs/update-protocol.md). Names starting with
 * the journal's name cover its `.tmp` and `.lock` companions.
 */
const EXCLUDED_NAMES = new Set([
  "config",
  "logs",
  "error_reports.jsonl",
  "agent.lock",
  HEALTH_NAME,
  RESULT_NAME,
  "_update",
  // agent install's copy of the agent that the Windows task runs as the supervisor (docs/agent.md).
  "supervisor",
  STAGING_DIR,
  BACKUP_DIR,
]);

/** True when `relPath` (a `/`-separated path) lies in the agent's data or the update machinery. */
export function isExcludedPath(relPath: string): boolean {
  const top = relPath.split("/")[0];
  return EXCLUDED_NAMES.has(top.toLowerCase()) || top.toLowerCase().startsWith(JOURNAL_NAME);
}

/**
 * True when a zip entry name is a plain relative path: no absolute path, no
 * drive letter, no `..` or `.` segment, no backslash (zip-slip).
 */
export function isSafeEntryPath(path: string): boolean {
  if (path.length === 0 || path.length > 1024) return false;
  if (path.includes("\0") || path.includes("\\")) return false;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return false;
  return path.split("/").every((part) => part !== ".." && part !== ".");
}

/** `root` joined with a `/`-separated relative path, using the platform's separators. */
export function nativePath(root: string, relPath: string): string {
  return join(root, ...relPath.split("/"));
}

/** The standard locations inside one install dir. */
export interface InstallPaths {
  install: string;
  staging: string;
  backup: string;
}

export function installPaths(installDir: string): InstallPaths {
  return {
    install: installDir,
    staging: join(installDir, STAGING_DIR),
    backup: join(installDir, BACKUP_DIR),
  };
}
