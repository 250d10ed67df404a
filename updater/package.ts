/**
 * Step 2: verify the package and extract it into the staging folder. The zip is
 * read through a random-access reader over the open file (seek + read), and
 * every file is hashed while it is written, so memory stays flat whatever the
 * package size. Nothing outside the staging folder is written. Given trusted
 * keys, the manifest's signature is checked before anything else is read, and
 * any way the package differs from its signed manifest is a SignatureError.
 */
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { configure, type Entry, type FileEntry, Reader, ZipReader } from "@zip.js/zip.js";
import semver from "semver";
import { writeAll } from "./fs_retry.ts";
import {
  hostPlatform,
  type Manifest,
  type ManifestFile,
  parseManifest,
  runsHere,
} from "./manifest.ts";
import { isSafeEntryPath, MANIFEST_NAME, nativePath, SIGNATURE_NAME } from "./paths.ts";
import { SignatureError, type UpdaterKey, verifySignature } from "./signature.ts";

// Workers would need extra permissions in a compiled updater and buy nothing for a few files.
configure({ useWebWorkers: false });

/** The package is unreadable or does not match its manifest; it cannot be applied. */
export class PackageError extends Error {
  override name = "PackageError";
}

const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_SIGNATURE_BYTES = 64 * 1024;

/** A zip.js reader that seeks and reads the open file instead of loading it. */
class FileRangeReader extends Reader<Deno.FsFile> {
  #file: Deno.FsFile;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(file: Deno.FsFile, size: number) {
    super(file);
    this.#file = file;
    this.size = size;
  }

  override readUint8Array(index: number, length: number): Promise<Uint8Array> {
    // One file position is shared: reads are serialised so a seek never lands mid-read.
    const read = this.#queue.then(() => this.#readAt(index, length));
    this.#queue = read.catch(() => {});
    return read;
  }

  async #readAt(index: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(Math.max(0, Math.min(length, this.size - index)));
    await this.#file.seek(index, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < buffer.length) {
      const n = await this.#file.read(buffer.subarray(filled));
      if (n === null) throw new PackageError(`Package ended early at byte ${index + filled}`);
      filled += n;
    }
    return buffer;
  }
}

/** What vouches for a package: the agent's keys (none: no signature needed) and what it replaces. */
export interface PackageTrust {
  keys: UpdaterKey[];
  /** The installed manifest's version; with keys, the package must be newer. */
  installedVersion: string | null;
}

/**
 * Checks the package at `packagePath` and extracts it into `stagingDir` (which
 * must not exist yet). Returns the manifest; throws SignatureError when the
 * trusted keys do not vouch for it, PackageError when it is corrupt, other
 * errors for I/O trouble.
 */
export async function verifyAndExtract(
  packagePath: string,
  stagingDir: string,
  trust: PackageTrust = { keys: [], installedVersion: null },
): Promise<Manifest> {
  const file = await Deno.open(packagePath, { read: true });
  const zip = new ZipReader(new FileRangeReader(file, (await file.stat()).size), {
    filenameValidation: "tolerant", // our own rule below gives the clearer message
  });
  try {
    const entries = await readEntries(zip);
    const manifestEntry = entries.get(MANIFEST_NAME);
    if (!manifestEntry) throw new PackageError("Package has no manifest.json");
    const manifestBytes = await readSmallBytes(manifestEntry, MAX_MANIFEST_BYTES);
    const signatureEntry = entries.get(SIGNATURE_NAME);
    const signature = signatureEntry
      ? await readSmallBytes(signatureEntry, MAX_SIGNATURE_BYTES)
      : null;
    const keyId = trust.keys.length > 0
      ? await verifySignature(manifestBytes, signature, trust.keys)
      : null;
    const manifest = parseManifestOrReject(new TextDecoder().decode(manifestBytes));
    const installed = trust.installedVersion;
    if (keyId && installed && semver.valid(installed) && !semver.gt(manifest.version, installed)) {
      throw new SignatureError(
        "downgrade",
        keyId,
        `Package version ${manifest.version} is not newer than the installed ${installed}`,
      );
    }
    await Deno.mkdir(stagingDir, { recursive: true });
    try {
      checkEntriesAgainstManifest(entries, manifest);
      for (const listed of manifest.files) {
        const target = nativePath(stagingDir, listed.path);
        await extractVerified(entries.get(listed.path)!, listed, target);
      }
    } catch (err) {
      // The manifest is signed, so the zip was changed after signing.
      if (keyId && err instanceof PackageError) {
        throw new SignatureError("file_mismatch", keyId, err.message);
      }
      throw err;
    }
    await Deno.writeFile(nativePath(stagingDir, MANIFEST_NAME), manifestBytes);
    if (signature) await Deno.writeFile(nativePath(stagingDir, SIGNATURE_NAME), signature);
    if (Deno.build.os !== "windows") {
      for (const entry of new Set([manifest.agent, manifest.updater])) {
        await Deno.chmod(nativePath(stagingDir, entry), 0o755);
      }
    }
    return manifest;
  } finally {
    await zip.close();
    file.close();
  }
}

async function readEntries(zip: ZipReader<Deno.FsFile>): Promise<Map<string, FileEntry>> {
  let entries: Entry[];
  try {
    entries = await zip.getEntries();
  } catch (err) {
    throw new PackageError(`Package is not a readable zip: ${(err as Error).message}`);
  }
  const files = new Map<string, FileEntry>();
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = entry.directory ? entry.filename.replace(/\/$/, "") : entry.filename;
    if (!isSafeEntryPath(name)) {
      throw new PackageError(
        `Package entry ${JSON.stringify(entry.filename)} is not a safe relative path`,
      );
    }
    if (entry.directory) continue;
    if (entry.encrypted) throw new PackageError(`Package entry "${name}" is encrypted`);
    if (seen.has(name.toLowerCase())) throw new PackageError(`Package holds "${name}" twice`);
    seen.add(name.toLowerCase());
    files.set(name, entry);
  }
  return files;
}

function parseManifestOrReject(text: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = parseManifest(text);
  } catch (err) {
    throw new PackageError((err as Error).message);
  }
  if (!runsHere(manifest.platform)) {
    throw new PackageError(
      `Package is for platform "${manifest.platform}"; this host is "${hostPlatform()}"`,
    );
  }
  return manifest;
}

function checkEntriesAgainstManifest(entries: Map<string, FileEntry>, manifest: Manifest): void {
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const name of entries.keys()) {
    if (!listed.has(name) && name !== MANIFEST_NAME && name !== SIGNATURE_NAME) {
      throw new PackageError(`Package entry "${name}" is not listed in manifest.json`);
    }
  }
  for (const f of manifest.files) {
    const entry = entries.get(f.path);
    if (!entry) throw new PackageError(`Package is missing "${f.path}" listed in manifest.json`);
    if (entry.uncompressedSize !== f.size) {
      throw new PackageError(
        `Package entry "${f.path}" is ${entry.uncompressedSize} bytes; manifest.json says ${f.size}`,
      );
    }
  }
}

/** Streams one entry to `target`, hashing as it goes; the file is synced before it counts. */
async function extractVerified(
  entry: FileEntry,
  listed: ManifestFile,
  target: string,
): Promise<void> {
  await Deno.mkdir(dirname(target), { recursive: true });
  const out = await Deno.open(target, { write: true, create: true, truncate: true });
  const hash = createHash("sha256");
  let bytes: number;
  try {
    bytes = await streamEntry(entry, listed.size, async (chunk) => {
      hash.update(chunk);
      await writeAll(out, chunk);
    });
    await out.sync();
  } finally {
    out.close();
  }
  const actual = hash.digest("hex");
  if (bytes !== listed.size || actual !== listed.sha256) {
    throw new PackageError(
      `Package entry "${listed.path}" does not match manifest.json: sha256 ${actual}, ` +
        `expected ${listed.sha256}`,
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
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
): Promise<number> {
  let bytes = 0;
  const sink = new WritableStream<Uint8Array>({
    async write(chunk) {
      bytes += chunk.length;
      if (bytes > limit) {
        throw new PackageError(`Package entry "${entry.filename}" is larger than ${limit} bytes`);
      }
      await onChunk(chunk);
    },
  });
  try {
    await entry.getData(sink, { checkCrc32: true });
  } catch (err) {
    if (err instanceof PackageError) throw err;
    throw new PackageError(
      `Package entry "${entry.filename}" cannot be read: ${(err as Error).message}`,
    );
  }
  return bytes;
}

async function readSmallBytes(entry: FileEntry, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  const length = await streamEntry(entry, limit, (chunk) => {
    chunks.push(chunk.slice());
  });
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
