/**
 * `manifest.json`: a package's description of itself (its version, platform,
 * entry points and every file with its SHA-256 and size) and, once
 * installed, the record of which files in the install folder are the
 * agent's. Validated by hand: the updater carries no schema library.
 */
import { join } from "node:path";
import { entryKey, entryPathProblem } from "./entry_path.ts";
import { isExcludedPath, MANIFEST_NAME, SIGNATURE_NAME } from "./layout.ts";
import { versionProblem } from "./version.ts";

export const PACKAGE_NAME = "hangar-agent";
/** The `platform` of a package that carries bundled JavaScript and launchers. */
export const PORTABLE_PLATFORM = "portable";
/** More than any real package holds; bounds the work one manifest can ask for. */
export const MAX_MANIFEST_FILES = 100_000;

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface Manifest {
  name: string;
  version: string;
  platform: string;
  agent: string;
  updater: string;
  files: ManifestFile[];
}

/** The manifest breaks the format; the message names the first problem. */
export class ManifestError extends Error {
  override name = "ManifestError";
  constructor(problem: string) {
    super(`${MANIFEST_NAME} is invalid: ${problem}`);
  }
}

/** Checks a parsed `manifest.json`; throws ManifestError naming the first problem. */
export function validateManifest(value: unknown): Manifest {
  const m = value as Record<string, unknown>;
  if (typeof m !== "object" || m === null || Array.isArray(m)) {
    throw new ManifestError("not a JSON object");
  }
  if (m.name !== PACKAGE_NAME) throw new ManifestError(`name is not "${PACKAGE_NAME}"`);
  for (const key of ["version", "platform", "agent", "updater"]) {
    if (typeof m[key] !== "string" || m[key] === "" || (m[key] as string).length > 1024) {
      throw new ManifestError(`field "${key}" is missing or not a string`);
    }
  }
  const version = m.version as string;
  const problem = versionProblem(version);
  if (problem) {
    throw new ManifestError(
      `version ${JSON.stringify(version.slice(0, 80))} is not a semantic version (${problem})`,
    );
  }
  if (!Array.isArray(m.files)) throw new ManifestError('field "files" is not a list');
  if (m.files.length > MAX_MANIFEST_FILES) {
    throw new ManifestError(`lists ${m.files.length} files, max is ${MAX_MANIFEST_FILES}`);
  }
  const files = m.files.map(checkFile);
  const seen = new Set<string>();
  for (const file of files) {
    // Windows file names ignore case: two entries differing only by case are one file there.
    const key = entryKey(file.path);
    if (seen.has(key)) throw new ManifestError(`lists "${file.path}" twice`);
    seen.add(key);
  }
  for (const role of ["agent", "updater"] as const) {
    const name = m[role] as string;
    if (!files.some((f) => f.path === name)) {
      throw new ManifestError(
        `${role} ${JSON.stringify(name)} is not among its files (no ${role} file ` +
          `${JSON.stringify(name)} in the package)`,
      );
    }
  }
  return {
    name: PACKAGE_NAME,
    version,
    platform: m.platform as string,
    agent: m.agent as string,
    updater: m.updater as string,
    files,
  };
}

/** Parses the bytes of `manifest.json`; throws ManifestError naming the first problem. */
export function parseManifest(bytes: Uint8Array | string): Manifest {
  let value: unknown;
  try {
    const text = typeof bytes === "string"
      ? bytes
      : new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    value = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`not valid JSON (${(err as Error).message})`);
  }
  return validateManifest(value);
}

function checkFile(value: unknown): ManifestFile {
  const f = value as Record<string, unknown>;
  if (typeof f !== "object" || f === null) {
    throw new ManifestError("has a file that is not an object");
  }
  const { path, sha256, size } = f;
  const problem = typeof path === "string" ? entryPathProblem(path) : "is not a string";
  if (problem !== null) {
    throw new ManifestError(
      `file path ${JSON.stringify(path)} is not a safe relative path (it ${problem})`,
    );
  }
  const name = path as string;
  if (isExcludedPath(name) || name === MANIFEST_NAME || name === SIGNATURE_NAME) {
    throw new ManifestError(
      `file path "${name}" is reserved for the agent's data or the updater`,
    );
  }
  if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new ManifestError(`file "${name}" has no valid sha256`);
  }
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new ManifestError(`file "${name}" has no valid size`);
  }
  return { path: name, sha256, size };
}

/** The platform name packages use for a host (`windows-x64`, `linux-x64`, ...). */
export function hostPlatform(
  os: string = Deno.build.os,
  arch: string = Deno.build.arch,
): string {
  return `${os}-${arch === "x86_64" ? "x64" : "arm64"}`;
}

/** True when a package built for `platform` can run on `host`. */
export function runsOn(platform: string, host: string): boolean {
  return platform === PORTABLE_PLATFORM || platform === host;
}

/**
 * The file to execute for `entry` (the manifest's `agent` or `updater`): a
 * portable package runs its `.cmd` launcher on Windows, its shell launcher elsewhere.
 */
export function launcherPath(
  manifest: Pick<Manifest, "platform">,
  entry: string,
  os: string = Deno.build.os,
): string {
  if (manifest.platform === PORTABLE_PLATFORM && os === "windows") return `${entry}.cmd`;
  return entry;
}

/**
 * The files an updater needs to run from another folder: the manifest's
 * `updater` entry and its companions of the same stem (`updater.js` and
 * `updater.cmd` beside a portable `updater` launcher).
 */
export function updaterFiles(manifest: Pick<Manifest, "updater" | "files">): string[] {
  const stem = manifest.updater.replace(/\.(exe|cmd|sh)$/i, "");
  return manifest.files
    .map((f) => f.path)
    .filter((p) => p === manifest.updater || (!p.includes("/") && p.startsWith(`${stem}.`)));
}

/** The manifest installed in `installDir`, or null when there is none or it is unreadable. */
export async function readInstalledManifest(installDir: string): Promise<Manifest | null> {
  try {
    return parseManifest(await Deno.readFile(join(installDir, MANIFEST_NAME)));
  } catch {
    return null;
  }
}
