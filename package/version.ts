/**
 * The one version rule: a semantic version (semver.org 2.0.0) of at most 256
 * characters whose major, minor and patch numbers are at most 2^53 - 1, the
 * largest integer a JavaScript number (and the `semver` library) holds
 * exactly. The server (every version it accepts), the agent and the updater
 * all validate and compare versions here, so no component of Hangar can be
 * handed a version another one cannot compare.
 *
 * @example
 * ```ts
 * versionProblem("9007199254740992.0.0"); // "major is above 9007199254740991"
 * isNewerVersion("1.2.0", "1.1.9"); // true
 * ```
 */
import semver from "semver";

export const MAX_VERSION_LENGTH = 256;
export const MAX_VERSION_COMPONENT = Number.MAX_SAFE_INTEGER;

const NUMBER = "0|[1-9]\\d*";
const PRERELEASE_ID = `(?:${NUMBER}|\\d*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_ID = "[0-9A-Za-z-]+";
const PATTERN = new RegExp(
  `^(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})` +
    `(?:-${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*)?` +
    `(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?$`,
);

/** Why `text` is not a version Hangar accepts, or null when it is one. */
export function versionProblem(text: string): string | null {
  if (text.length > MAX_VERSION_LENGTH) {
    return `length is ${text.length}, max is ${MAX_VERSION_LENGTH}`;
  }
  const match = PATTERN.exec(text);
  if (!match) return "not a semantic version such as 1.2.3 or 2.0.0-rc.1";
  const names = ["major", "minor", "patch"];
  for (let i = 0; i < 3; i++) {
    if (Number(match[i + 1]) > MAX_VERSION_COMPONENT) {
      return `${names[i]} is above ${MAX_VERSION_COMPONENT}`;
    }
  }
  return null;
}

/** True when `text` is a version Hangar accepts (see the module documentation). */
export function isValidVersion(text: unknown): text is string {
  return typeof text === "string" && versionProblem(text) === null;
}

/** Thrown when a version to compare breaks the rule; callers validate input first. */
export class VersionError extends Error {
  override name = "VersionError";
}

function checked(version: string): string {
  const problem = versionProblem(version);
  if (problem) throw new VersionError(`Cannot use version "${version.slice(0, 80)}": ${problem}`);
  return version;
}

/** Semver precedence: negative, zero or positive as `a` is older, as new as, or newer than `b`. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(checked(a), checked(b));
}

/**
 * The downgrade rule: a package may replace `current` only when it is newer.
 * The same version again (a replay) or an older one is refused.
 */
export function isNewerVersion(candidate: string, current: string): boolean {
  return compareVersions(candidate, current) > 0;
}
