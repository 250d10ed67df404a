/**
 * The package format shared by the server (upload checks), the agent and the
 * release tool. The updater keeps its own copy of the path rule: it imports
 * nothing but `agent/version.ts` and its own files.
 */
import type { PackageManifest } from "./schemas.ts";

export const MANIFEST_NAME = "manifest.json";
export const SIGNATURE_NAME = "manifest.sig";
/** The `platform` of a package that carries bundled JavaScript and launchers. */
export const PORTABLE_PLATFORM = "portable";

/**
 * True when a zip entry name is a plain relative path: no absolute path, no
 * drive letter, no `..` segment, no backslash tricks (zip-slip).
 */
export function isSafeEntryPath(path: string): boolean {
  if (path.length === 0 || path.length > 1024) return false;
  if (path.includes("\0") || path.includes("\\")) return false;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return false;
  return path.split("/").every((part) => part !== ".." && part !== ".");
}

/**
 * The files an updater needs to run from a staging folder: the manifest's
 * `updater` entry and its companions of the same stem (`updater.js` and
 * `updater.cmd` beside a portable `updater` launcher).
 */
export function updaterFiles(manifest: PackageManifest): string[] {
  const stem = manifest.updater.replace(/\.(exe|cmd|sh)$/i, "");
  return manifest.files
    .map((f) => f.path)
    .filter((p) => p === manifest.updater || (!p.includes("/") && p.startsWith(`${stem}.`)));
}

/**
 * The file to execute for `entry` (the manifest's `agent` or `updater`): a
 * portable package runs its `.cmd` launcher on Windows, its shell launcher elsewhere.
 */
export function launcherPath(manifest: PackageManifest, entry: string, os = Deno.build.os): string {
  if (manifest.platform === PORTABLE_PLATFORM && os === "windows") return `${entry}.cmd`;
  return entry;
}
