/**
 * `manifest.json`: the package's description of itself, and, once installed,
 * the record of which files in the install dir are the agent's. Validated by
 * hand so the updater needs no schema library.
 */
import { join } from "node:path";
import {
  isExcludedPath,
  isSafeEntryPath,
  MANIFEST_NAME,
  PORTABLE_PLATFORM,
  SIGNATURE_NAME,
} from "./paths.ts";

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

export const PACKAGE_NAME = "hangar-agent";
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Parses and checks a manifest; throws an Error naming the first problem. */
export function parseManifest(text: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  const m = value as Record<string, unknown>;
  if (typeof m !== "object" || m === null || Array.isArray(m)) {
    throw new Error("manifest.json is not a JSON object");
  }
  if (m.name !== PACKAGE_NAME) throw new Error(`manifest.json name is not "${PACKAGE_NAME}"`);
  for (const key of ["version", "platform", "agent", "updater"]) {
    if (typeof m[key] !== "string" || m[key] === "") {
      throw new Error(`manifest.json field "${key}" is missing or not a string`);
    }
  }
  if (!SEMVER.test(m.version as string)) {
    throw new Error(`manifest.json version "${m.version}" is not a semantic version`);
  }
  if (!Array.isArray(m.files)) throw new Error('manifest.json field "files" is not a list');
  const files = m.files.map(checkFile);
  const seen = new Set<string>();
  for (const file of files) {
    // Windows file names ignore case: two entries differing only by case are one file there.
    const key = file.path.toLowerCase();
    if (seen.has(key)) throw new Error(`manifest.json lists "${file.path}" twice`);
    seen.add(key);
  }
  for (const key of ["agent", "updater"] as const) {
    if (!files.some((f) => f.path === m[key])) {
      throw new Error(`manifest.json ${key} "${m[key]}" is not among its files`);
    }
  }
  return {
    name: PACKAGE_NAME,
    version: m.version as string,
    platform: m.platform as string,
    agent: m.agent as string,
    updater: m.updater as string,
    files,
  };
}

function checkFile(value: unknown): ManifestFile {
  const f = value as Record<string, unknown>;
  if (typeof f !== "object" || f === null) {
    throw new Error("manifest.json has a file that is not an object");
  }
  const { path, sha256, size } = f;
  if (typeof path !== "string" || !isSafeEntryPath(path)) {
    throw new Error(`manifest.json file path ${JSON.stringify(path)} is not a safe relative path`);
  }
  if (isExcludedPath(path) || path === MANIFEST_NAME || path === SIGNATURE_NAME) {
    throw new Error(
      `manifest.json file path "${path}" is reserved for the agent's data or the updater`,
    );
  }
  if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new Error(`manifest.json file "${path}" has no valid sha256`);
  }
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new Error(`manifest.json file "${path}" has no valid size`);
  }
  return { path, sha256, size };
}

/** This host's platform name as packages spell it (`windows-x64`, `linux-x64`, ...). */
export function hostPlatform(): string {
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  return `${Deno.build.os}-${arch}`;
}

/** True when a package built for `platform` can run here. */
export function runsHere(platform: string): boolean {
  return platform === PORTABLE_PLATFORM || platform === hostPlatform();
}

/**
 * The file to execute for `entry` (the manifest's `agent` or `updater`): a
 * portable package runs its `.cmd` launcher on Windows.
 */
export function launcherPath(manifest: Manifest, entry: string): string {
  if (manifest.platform === PORTABLE_PLATFORM && Deno.build.os === "windows") return `${entry}.cmd`;
  return entry;
}

/** The manifest installed in `installDir`, or null when there is none or it is unreadable. */
export async function readInstalledManifest(installDir: string): Promise<Manifest | null> {
  try {
    return parseManifest(await Deno.readTextFile(join(installDir, MANIFEST_NAME)));
  } catch {
    return null;
  }
}
