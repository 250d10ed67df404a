/**
 * Builds agent package zips for tests: the given files plus a `manifest.json`
 * whose hashes and sizes are right (unless `manifestOverride` says otherwise).
 * Used by the updater tests and by anything else that needs a real package.
 */
import { createHash } from "node:crypto";
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";

export interface PackageManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface PackageManifest {
  name: string;
  version: string;
  platform: string;
  agent: string;
  updater: string;
  files: PackageManifestFile[];
}

export interface MakePackageOptions {
  version: string;
  /** Defaults to `portable`. */
  platform?: string;
  /** The package's files, listed in the manifest: path (with `/`) → content. */
  files: Record<string, Uint8Array | string>;
  /** The manifest's `agent`; defaults to `agent`. */
  agent?: string;
  /** The manifest's `updater`; defaults to `updater`. */
  updater?: string;
  /** Zip entries added as they are and not listed (`manifest.sig`, or junk to test rejection). */
  extraEntries?: Record<string, Uint8Array | string>;
  /** Changes the manifest before it is written (to build broken packages). */
  manifestOverride?: (manifest: PackageManifest) => PackageManifest;
}

export interface MadePackage {
  /** The manifest as written into the zip. */
  manifest: PackageManifest;
  /** SHA-256 (hex) and size of the zip file itself. */
  sha256: string;
  size: number;
}

function toBytes(content: Uint8Array | string): Uint8Array {
  return typeof content === "string" ? new TextEncoder().encode(content) : content;
}

/** The manifest `makePackage` writes for `options` (hashes and sizes computed from the files). */
export function buildManifest(options: MakePackageOptions): PackageManifest {
  const manifest: PackageManifest = {
    name: "hangar-agent",
    version: options.version,
    platform: options.platform ?? "portable",
    agent: options.agent ?? "agent",
    updater: options.updater ?? "updater",
    files: Object.entries(options.files).map(([path, content]) => {
      const bytes = toBytes(content);
      return { path, sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
    }),
  };
  return options.manifestOverride ? options.manifestOverride(manifest) : manifest;
}

/** Writes a package zip to `outPath` and returns its manifest, hash and size. */
export async function makePackage(
  options: MakePackageOptions,
  outPath: string,
): Promise<MadePackage> {
  const manifest = buildManifest(options);
  const zip = new ZipWriter(new Uint8ArrayWriter(), { useWebWorkers: false });
  await zip.add("manifest.json", new Uint8ArrayReader(toBytes(JSON.stringify(manifest, null, 2))));
  for (const [path, content] of Object.entries(options.files)) {
    await zip.add(path, new Uint8ArrayReader(toBytes(content)));
  }
  for (const [path, content] of Object.entries(options.extraEntries ?? {})) {
    await zip.add(path, new Uint8ArrayReader(toBytes(content)));
  }
  const data = await zip.close();
  await Deno.writeFile(outPath, data);
  return {
    manifest,
    sha256: createHash("sha256").update(data).digest("hex"),
    size: data.length,
  };
}
