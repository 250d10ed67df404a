/**
 * `openVerifiedPackage`: everything that makes a package acceptable, checked
 * in one place for the server's upload check, the agent and the updater:
 *   1 a readable zip whose every entry name follows the entry rule, no two
 *     naming the same file on Windows
 *   2 `manifest.json`, and with trusted keys a `manifest.sig` that verifies
 *     against one of them (before anything else in the package is believed)
 *   3 a valid manifest for the expected platform and version, newer than the
 *     version in place (the one downgrade rule)
 *   4 exactly the listed files, each of its listed size and SHA-256
 * Any refusal is one `PackageError`. Every entry is streamed once, hashed, and
 * written only when the caller extracts it, so memory stays flat whatever the
 * package size.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { type Entry, type FileEntry, ZipReader } from "@zip.js/zip.js";
import { entryKey, entryPathProblem } from "./entry_path.ts";
import { MANIFEST_NAME, SIGNATURE_NAME } from "./layout.ts";
import {
  type Manifest,
  ManifestError,
  type ManifestFile,
  parseManifest,
  runsOn,
} from "./manifest.ts";
import { PackageError, type PackageErrorDetails } from "./package_error.ts";
import { type TrustedKey, verifyManifestSignature } from "./signature.ts";
import { isNewerVersion } from "./version.ts";
import { FileRangeReader } from "./zip_reader.ts";

export const MAX_MANIFEST_BYTES = 1024 * 1024;
export const MAX_SIGNATURE_BYTES = 64 * 1024;

/** What the package must be. */
export interface PackageExpectations {
  /** Keys whose signature is accepted; empty (a development build, no TRUSTED_KEYS): none needed. */
  trustedKeys: readonly TrustedKey[];
  /** The version the manifest must state: the one offered to the agent, or uploaded. */
  version?: string;
  /** The version in place: the package must be newer (no downgrade, no replay). */
  newerThan?: string | null;
  /** The host's platform (`hostPlatform()`): the package must be built for it or portable. */
  platform?: string;
}

export interface OpenOptions {
  /** Writes the selected listed files (default: all) under `dir` while they are verified. */
  extract?: { dir: string; select?: (path: string) => boolean };
  /**
   * Runs once the manifest is trusted and matches the zip's listing, before
   * any file is streamed (the agent's and updater's free-space check).
   */
  beforeContents?: (manifest: Manifest) => void | Promise<void>;
}

/** A package that passed every check. */
export interface VerifiedPackage {
  manifest: Manifest;
  /** The exact bytes of `manifest.json` (the signed bytes). */
  manifestBytes: Uint8Array<ArrayBuffer>;
  /** The bytes of `manifest.sig`, or null when the package has none. */
  signatureBytes: Uint8Array<ArrayBuffer> | null;
  /** The id of the trusted key that signed it; null when no keys were given. */
  signedBy: string | null;
}

/**
 * Checks the package at `path` against `expected` (and extracts it, when
 * asked); returns what it verified or throws one PackageError naming the
 * reason. Other errors are I/O trouble (the disk, not the package).
 */
export async function openVerifiedPackage(
  path: string,
  expected: PackageExpectations,
  options: OpenOptions = {},
): Promise<VerifiedPackage> {
  using file = await Deno.open(path, { read: true });
  // "tolerant": the entry rule below refuses bad names with a clearer message.
  const zip = new ZipReader(new FileRangeReader(file), { filenameValidation: "tolerant" });
  try {
    const entries = await readEntries(zip);
    const manifestEntry = entries.get(MANIFEST_NAME);
    if (!manifestEntry) {
      throw new PackageError("no_manifest", `The package has no ${MANIFEST_NAME}`);
    }
    const manifestBytes = await readSmall(manifestEntry, MAX_MANIFEST_BYTES, "bad_manifest");
    const sigEntry = entries.get(SIGNATURE_NAME);
    const signatureBytes = sigEntry
      ? await readSmall(sigEntry, MAX_SIGNATURE_BYTES, "malformed_signature")
      : null;
    const signedBy = await checkSignature(manifestBytes, signatureBytes, expected.trustedKeys);
    const trust: PackageErrorDetails = signedBy ? { key_id: signedBy, signed: true } : {};
    const manifest = checkManifest(manifestBytes, expected, trust);
    checkListing(entries, manifest, trust);
    await options.beforeContents?.(manifest);
    const select = options.extract?.select ?? (() => true);
    for (const listed of manifest.files) {
      const target = options.extract && select(listed.path)
        ? join(options.extract.dir, ...listed.path.split("/"))
        : null;
      await verifyFile(entries.get(listed.path)!, listed, target, trust);
      const executable = listed.path === manifest.agent || listed.path === manifest.updater;
      if (target && executable && Deno.build.os !== "windows") await Deno.chmod(target, 0o755);
    }
    return { manifest, manifestBytes, signatureBytes, signedBy };
  } finally {
    await zip.close().catch(() => {});
  }
}

/** Every file entry by name, after the entry rule and the one-file-per-name check. */
async function readEntries(zip: ZipReader<unknown>): Promise<Map<string, FileEntry>> {
  let entries: Entry[];
  try {
    entries = await zip.getEntries();
  } catch (err) {
    throw new PackageError(
      "not_zip",
      `The package is not a zip, or not a readable zip: ${message(err)}`,
    );
  }
  const files = new Map<string, FileEntry>();
  const keys = new Map<string, string>();
  for (const entry of entries) {
    const name = entry.filename;
    const problem = entry.encrypted ? "is encrypted" : entryPathProblem(name);
    if (problem !== null || entry.directory) {
      throw new PackageError(
        "unsafe_entry",
        `The package has an unsafe entry path ${JSON.stringify(name.slice(0, 200))}: ` +
          `not a safe relative path (it ${problem ?? "is a folder entry"})`,
        { file: name.slice(0, 200) },
      );
    }
    const other = keys.get(entryKey(name));
    if (other !== undefined) {
      throw new PackageError(
        "duplicate_entry",
        other === name
          ? `The package has "${name}" twice`
          : `The package has "${other}" and "${name}", one file on Windows`,
        { file: name },
      );
    }
    keys.set(entryKey(name), name);
    files.set(name, entry as FileEntry);
  }
  return files;
}

async function checkSignature(
  manifestBytes: Uint8Array<ArrayBuffer>,
  signatureBytes: Uint8Array | null,
  keys: readonly TrustedKey[],
): Promise<string | null> {
  if (keys.length === 0) return null;
  const result = await verifyManifestSignature(manifestBytes, signatureBytes, keys);
  if (result.ok) return result.keyId;
  throw new PackageError(result.reason, result.message, {
    key_id: result.keyId,
    trusted_key_ids: keys.map((k) => k.id),
  });
}

function checkManifest(
  bytes: Uint8Array,
  expected: PackageExpectations,
  trust: PackageErrorDetails,
): Manifest {
  let manifest: Manifest;
  try {
    manifest = parseManifest(bytes);
  } catch (err) {
    if (err instanceof ManifestError) throw new PackageError("bad_manifest", err.message, trust);
    throw err;
  }
  const versions = {
    ...trust,
    manifest_version: manifest.version,
    expected_version: expected.version ?? null,
    installed_version: expected.newerThan ?? null,
  };
  if (expected.platform && !runsOn(manifest.platform, expected.platform)) {
    throw new PackageError(
      "wrong_platform",
      `The package is for platform "${manifest.platform}"; this host is "${expected.platform}"`,
      { ...trust, platform: manifest.platform, host_platform: expected.platform },
    );
  }
  if (expected.version !== undefined && manifest.version !== expected.version) {
    throw new PackageError(
      "version_mismatch",
      `${MANIFEST_NAME} says version "${manifest.version}", but version "${expected.version}" ` +
        `was expected`,
      versions,
    );
  }
  if (expected.newerThan && !isNewerVersion(manifest.version, expected.newerThan)) {
    throw new PackageError(
      "downgrade",
      `Package version ${manifest.version} is not newer than the running ${expected.newerThan}`,
      versions,
    );
  }
  return manifest;
}

/** The zip holds exactly the listed files (and the manifest and signature), of the listed sizes. */
function checkListing(
  entries: Map<string, FileEntry>,
  manifest: Manifest,
  trust: PackageErrorDetails,
): void {
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const name of entries.keys()) {
    if (!listed.has(name) && name !== MANIFEST_NAME && name !== SIGNATURE_NAME) {
      throw new PackageError(
        "unlisted_entry",
        `Package entry "${name}" is not listed in ${MANIFEST_NAME}`,
        { ...trust, file: name },
      );
    }
  }
  for (const f of manifest.files) {
    const entry = entries.get(f.path);
    if (!entry) {
      throw new PackageError(
        "missing_file",
        `The package is missing "${f.path}", which ${MANIFEST_NAME} lists`,
        { ...trust, file: f.path },
      );
    }
    if (entry.uncompressedSize !== f.size) {
      throw sizeMismatch(f, entry.uncompressedSize, trust);
    }
  }
}

function sizeMismatch(f: ManifestFile, actual: number, trust: PackageErrorDetails): PackageError {
  return new PackageError(
    "file_mismatch",
    `Package entry "${f.path}" does not match ${MANIFEST_NAME}: it is ${actual} bytes; ` +
      `${MANIFEST_NAME} says ${f.size}`,
    { ...trust, file: f.path, expected_size: f.size, actual_size: actual },
  );
}

/** Streams one listed file, hashing it, into `target` or nowhere; synced before it counts. */
async function verifyFile(
  entry: FileEntry,
  listed: ManifestFile,
  target: string | null,
  trust: PackageErrorDetails,
): Promise<void> {
  let out: Deno.FsFile | null = null;
  if (target) {
    await Deno.mkdir(dirname(target), { recursive: true });
    out = await Deno.open(target, { write: true, create: true, truncate: true });
  }
  const hash = createHash("sha256");
  let size = 0;
  try {
    // No CRC-32 here: every byte is hashed against the manifest's SHA-256, which a damaged
    // entry fails too; the CRC was a second pass over each chunk (~1 s per GiB in JavaScript).
    size = await streamEntry(entry, listed.size, trust, async (chunk) => {
      hash.update(chunk);
      for (let done = 0; out && done < chunk.length;) done += await out.write(chunk.subarray(done));
    }, false);
    await out?.sync();
  } finally {
    out?.close();
  }
  const actual = hash.digest("hex");
  if (size !== listed.size) throw sizeMismatch(listed, size, trust);
  if (actual !== listed.sha256) {
    throw new PackageError(
      "file_mismatch",
      `Package entry "${listed.path}" does not match ${MANIFEST_NAME}: sha256 ${actual}, ` +
        `expected ${listed.sha256}`,
      {
        ...trust,
        file: listed.path,
        expected_checksum: listed.sha256,
        actual_checksum: actual,
      },
    );
  }
}

/**
 * Feeds an entry's content to `onChunk` and returns its length. Reading stops
 * past `limit` bytes: a forged size in the zip's directory must not fill the disk.
 */
async function streamEntry(
  entry: FileEntry,
  limit: number,
  trust: PackageErrorDetails,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
  checkCrc32: boolean,
): Promise<number> {
  let bytes = 0;
  const tooLarge = new PackageError(
    "file_mismatch",
    `Package entry "${entry.filename}" is larger than ${limit} bytes`,
    { ...trust, file: entry.filename, expected_size: limit },
  );
  const sink = new WritableStream<Uint8Array>({
    async write(chunk) {
      bytes += chunk.length;
      if (bytes > limit) throw tooLarge;
      await onChunk(chunk);
    },
  });
  try {
    await entry.getData(sink, { checkCrc32 });
  } catch (err) {
    if (err === tooLarge || isDiskError(err)) throw err;
    throw new PackageError(
      "file_mismatch",
      `Package entry "${entry.filename}" cannot be read: ${message(err)}`,
      { ...trust, file: entry.filename },
    );
  }
  return bytes;
}

const DISK_ERRORS = Object.values(Deno.errors);

/** zip.js and the decompressor fail with plain Errors (bad data); the disk with Deno's classes. */
function isDiskError(err: unknown): boolean {
  return DISK_ERRORS.some((cls) => err instanceof cls);
}

async function readSmall(
  entry: FileEntry,
  limit: number,
  reason: "bad_manifest" | "malformed_signature",
): Promise<Uint8Array<ArrayBuffer>> {
  if (entry.uncompressedSize > limit) {
    throw new PackageError(reason, `${entry.filename} is larger than ${limit} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let length: number;
  try {
    length = await streamEntry(entry, limit, {}, (chunk) => {
      chunks.push(chunk.slice());
    }, true);
  } catch (err) {
    if (err instanceof PackageError) throw new PackageError(reason, err.message, err.details);
    throw err;
  }
  const bytes = new Uint8Array(length);
  chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.length), 0);
  return bytes;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
