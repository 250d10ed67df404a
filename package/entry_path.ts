/**
 * The one rule for paths inside a package (zip entry names and the files a
 * manifest lists), applied alike by the server's upload check, the agent and
 * the updater. A path must name the same single file on every system the
 * agent runs on, Windows included: plain relative `/`-separated segments, no
 * `..` or `.` (zip-slip), no empty segment (`a/`, `a//b`), no character
 * Windows forbids, no segment Windows would silently change (trailing dot or
 * space) or treat as a device (`con`, `AUX.txt`, `com1`).
 */

export const MAX_ENTRY_PATH_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 255;

// Windows refuses these characters in names; C0 controls include NUL.
// deno-lint-ignore no-control-regex
const FORBIDDEN = /[\u0000-\u001f<>:"\\|?*]/;
// With or without an extension, these open a device on Windows.
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

/** Why `path` is not a safe package path, or null when it is one. */
export function entryPathProblem(path: string): string | null {
  if (path.length === 0) return "is empty";
  if (path.length > MAX_ENTRY_PATH_LENGTH) {
    return `is ${path.length} characters long, max is ${MAX_ENTRY_PATH_LENGTH}`;
  }
  const forbidden = FORBIDDEN.exec(path);
  if (forbidden) return `holds ${JSON.stringify(forbidden[0])}, which Windows forbids in names`;
  if (path.startsWith("/")) return "is absolute";
  for (const segment of path.split("/")) {
    if (segment === "") return "has an empty segment";
    if (segment === "." || segment === "..") return `has a "${segment}" segment`;
    if (segment.length > MAX_SEGMENT_LENGTH) {
      return `has a segment longer than ${MAX_SEGMENT_LENGTH} characters`;
    }
    if (/[. ]$/.test(segment)) return `has a segment ending in a dot or a space`;
    if (DEVICE.test(segment.split(".")[0].trimEnd())) {
      return `names the Windows device "${segment}"`;
    }
  }
  return null;
}

/** True when `path` is a safe package path (see `entryPathProblem`). */
export function isSafeEntryPath(path: string): boolean {
  return entryPathProblem(path) === null;
}

/**
 * The name two paths share when Windows would store them as one file: `AGENT`
 * and `agent`, `Manifest.json` and `manifest.json`.
 */
export function entryKey(path: string): string {
  return path.normalize("NFC").toLowerCase();
}
