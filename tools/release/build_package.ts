/**
 * Builds one release package: stamp the version and the trusted keys into a
 * build copy, build the target into `<out>/hangar-agent-<version>-<target>/`,
 * write its manifest, sign it when a key is given, and zip it beside that
 * folder as `hangar-agent-<version>-<target>.zip`.
 */
import { join } from "node:path";
import { type Manifest, MANIFEST_NAME, parseManifest, SIGNATURE_NAME } from "../../package/mod.ts";
import { buildCompiled, type StagedFiles } from "./build_compiled.ts";
import { buildPortable } from "./build_portable.ts";
import { createManifest, hashFile, writeManifest } from "./manifest.ts";
import { type SigningKey, signPackageDir } from "./signing_key.ts";
import { readTreeVersion, stampBuildTree } from "./stamp.ts";
import type { WindowsBuildOptions } from "./windows_build.ts";
import { writeZip } from "./zip.ts";

export const TARGETS = ["windows-x64", "linux-x64", "portable"] as const;
export type Target = (typeof TARGETS)[number];

export function isTarget(value: string): value is Target {
  return (TARGETS as readonly string[]).includes(value);
}

export interface BuildOptions {
  /** The source tree to build from (holds agent/, updater/, package/, protocol/, deno.json). */
  root: string;
  /** The version to stamp; default: the one in `<root>/agent/version.ts`. */
  version?: string;
  target: Target;
  outDir: string;
  /** Changes to the environment of deno compile, e.g. DENORT_BIN. */
  env?: Record<string, string | undefined>;
  /** Signs the manifest (manifest.sig); its public key is built into the agent too. */
  signingKey?: SigningKey;
  /** More public keys the agent accepts (the next key, for rotation). */
  trustedKeys?: string[];
  /** Keep the test-only switches working (agent/test_hooks.ts); tests only. */
  testHooks?: boolean;
  /** The Windows target's console, icon and signing hook. */
  windows?: WindowsBuildOptions;
}

export interface BuiltPackage {
  version: string;
  target: Target;
  /** The unzipped package: manifest.json and the files it lists. */
  packageDir: string;
  zipPath: string;
  manifest: Manifest;
  size: number;
  sha256: string;
  /** The id of the key that signed manifest.json, or null for an unsigned package. */
  signedBy: string | null;
  /** The public keys built into the agent (empty: it accepts unsigned packages). */
  trustedKeys: string[];
}

export async function buildPackage(options: BuildOptions): Promise<BuiltPackage> {
  const version = options.version ?? await readTreeVersion(options.root);
  const name = `hangar-agent-${version}-${options.target}`;
  const packageDir = join(options.outDir, name);
  await Deno.remove(packageDir, { recursive: true }).catch(() => {});
  const outDirExisted = await Deno.stat(options.outDir).then(() => true, () => false);
  await Deno.mkdir(packageDir, { recursive: true });
  try {
    return await buildInto(options, version, name, packageDir);
  } catch (error) {
    // A failed build leaves nothing: no half-built folder, and no out dir it created.
    await Deno.remove(packageDir, { recursive: true }).catch(() => {});
    if (!outDirExisted) await Deno.remove(options.outDir).catch(() => {});
    throw error;
  }
}

async function buildInto(
  options: BuildOptions,
  version: string,
  name: string,
  packageDir: string,
): Promise<BuiltPackage> {
  const keys = [
    ...(options.signingKey ? [options.signingKey.publicKey] : []),
    ...(options.trustedKeys ?? []),
  ];
  const tree = await stampBuildTree(options.root, version, keys, options.testHooks ?? false);
  let staged: StagedFiles;
  try {
    staged = options.target === "portable"
      ? await buildPortable(tree.dir, packageDir)
      : await buildCompiled(tree.dir, packageDir, options.target, options.env, options.windows);
  } finally {
    await tree.remove();
  }
  const manifest = await createManifest({ version, dir: packageDir, ...staged });
  await writeManifest(packageDir, manifest);
  if (options.signingKey) await signPackageDir(packageDir, options.signingKey);
  const zipPath = join(options.outDir, `${name}.zip`);
  const zip = await zipPackage(packageDir, zipPath);
  return {
    version,
    target: options.target,
    packageDir,
    zipPath,
    manifest,
    ...zip,
    signedBy: options.signingKey?.keyId ?? null,
    trustedKeys: tree.trustedKeys,
  };
}

/**
 * The time stamped on zip entries: SOURCE_DATE_EPOCH (seconds) when set, the
 * reproducible-builds convention; else none, and zip.js uses the current time.
 */
export function sourceDateEpoch(): Date | undefined {
  const raw = Deno.env.get("SOURCE_DATE_EPOCH");
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds, got "${raw}"`);
  return new Date(Number(raw) * 1000);
}

/**
 * Zips a package folder: manifest.json first, then manifest.sig when one was
 * written beside it (signed packages), then the manifest's files in order.
 */
export async function zipPackage(
  packageDir: string,
  zipPath: string,
  modified = sourceDateEpoch(),
): Promise<{ size: number; sha256: string }> {
  const manifest = parseManifest(await Deno.readFile(join(packageDir, MANIFEST_NAME)));
  const signed = await Deno.stat(join(packageDir, SIGNATURE_NAME)).then(() => true, () => false);
  const executables = new Set([manifest.agent, manifest.updater]);
  await writeZip(zipPath, packageDir, [
    { path: MANIFEST_NAME },
    ...(signed ? [{ path: SIGNATURE_NAME }] : []),
    ...manifest.files.map((f) => ({ path: f.path, executable: executables.has(f.path) })),
  ], modified);
  return await hashFile(zipPath);
}

/** Re-hashes the files of a package folder after they changed and rewrites its manifest. */
export async function refreshManifest(packageDir: string): Promise<Manifest> {
  const old = parseManifest(await Deno.readFile(join(packageDir, MANIFEST_NAME)));
  const manifest = await createManifest({
    ...old,
    dir: packageDir,
    files: old.files.map((f) => f.path),
  });
  await writeManifest(packageDir, manifest);
  return manifest;
}
