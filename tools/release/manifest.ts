/**
 * The package manifest: which files are in the package, with a SHA-256 and a
 * size for each, so the agent and the updater can verify every file.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type Manifest, MANIFEST_NAME, PACKAGE_NAME } from "../../package/mod.ts";

const CHUNK = 1024 * 1024;

/** SHA-256 (hex) and size of a file, read 1 MiB at a time so big files stay out of memory. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  const buffer = new Uint8Array(CHUNK);
  let size = 0;
  while (true) {
    const n = await file.read(buffer);
    if (n === null) break;
    hash.update(buffer.subarray(0, n));
    size += n;
  }
  return { sha256: hash.digest("hex"), size };
}

export interface ManifestInput {
  version: string;
  platform: string;
  agent: string;
  updater: string;
  /** The package's files, relative to `dir`, with forward slashes. */
  files: string[];
  dir: string;
}

/** Hashes the files of a staged package and returns its manifest. */
export async function createManifest(input: ManifestInput): Promise<Manifest> {
  for (const entry of [input.agent, input.updater]) {
    if (!input.files.includes(entry)) throw new Error(`The package has no file "${entry}"`);
  }
  const files = [];
  for (const path of input.files) {
    files.push({ path, ...await hashFile(join(input.dir, path)) });
  }
  return {
    name: PACKAGE_NAME,
    version: input.version,
    platform: input.platform,
    agent: input.agent,
    updater: input.updater,
    files,
  };
}

/** Writes `manifest.json` into the staged package dir and returns its path. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<string> {
  const path = join(dir, MANIFEST_NAME);
  await Deno.writeTextFile(path, JSON.stringify(manifest, null, 2) + "\n");
  return path;
}
