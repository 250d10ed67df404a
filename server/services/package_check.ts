/**
 * Checks an uploaded package before it is accepted: a zip, every entry a plain
 * relative path (no zip-slip), one `manifest.json` for the expected version,
 * and the agent and updater files the manifest names. Given trusted keys
 * (TRUSTED_KEYS), `manifest.sig` must verify against one of them. The archive
 * is read with random access (seek + read), so only its central directory, the
 * manifest and the signature are ever in memory.
 */
import { configure, type Entry, Reader, ZipReader } from "@zip.js/zip.js";
import {
  isSafeEntryPath,
  MANIFEST_NAME,
  PackageManifest,
  SIGNATURE_NAME,
} from "../../protocol/mod.ts";
import { type TrustedKey, verifyManifestSignature } from "../../protocol/signing.ts";
import { HttpError } from "../errors.ts";

// Workers would re-load the library per call and keep the process alive.
configure({ useWebWorkers: false });

const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_SIGNATURE_BYTES = 64 * 1024;

/** A zip.js Reader over an open file: reads the byte ranges asked for, nothing more. */
export class FsFileReader extends Reader<Deno.FsFile> {
  #file: Deno.FsFile;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(file: Deno.FsFile) {
    super(file);
    this.#file = file;
  }

  override async init(): Promise<void> {
    await super.init?.();
    this.size = (await this.#file.stat()).size;
  }

  override readUint8Array(offset: number, length: number): Promise<Uint8Array> {
    // zip.js may ask for several ranges at once; one file position means one read at a time.
    const result = this.#queue.then(async () => {
      await this.#file.seek(offset, Deno.SeekMode.Start);
      const data = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const n = await this.#file.read(data.subarray(filled));
        if (n === null) return data.subarray(0, filled);
        filled += n;
      }
      return data;
    });
    this.#queue = result.catch(() => {});
    return result;
  }
}

function reject(message: string): never {
  throw new HttpError(400, "bad_request", message);
}

/** The bytes of a small entry (the manifest, the signature), refusing more than `limit`. */
async function readSmall(entry: Entry, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  if (entry.directory || entry.uncompressedSize > limit) {
    reject(`${entry.filename} is not a file of at most ${limit} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      size += chunk.byteLength;
      if (size > limit) throw new Error(`over its size limit of ${limit} bytes`);
      chunks.push(chunk);
    },
  });
  try {
    await entry.getData(sink);
  } catch (error) {
    reject(`${entry.filename} cannot be read: ${error instanceof Error ? error.message : error}`);
  }
  const bytes = new Uint8Array(size);
  chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.byteLength), 0);
  return bytes;
}

function parseManifest(bytes: Uint8Array): PackageManifest {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    reject(`${MANIFEST_NAME} is not UTF-8 text`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    reject(`${MANIFEST_NAME} is not valid JSON`);
  }
  const parsed = PackageManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    reject(`${MANIFEST_NAME} is invalid: ${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  return parsed.data;
}

/** A package that passed the checks. */
export interface CheckedPackage {
  manifest: PackageManifest;
  /** The id of the trusted key that signed it; null when no keys were given. */
  signedBy: string | null;
}

/**
 * Refuses a package whose manifest.sig does not verify against `keys`
 * (none: nothing to check); returns the signing key's id.
 */
async function checkSignature(
  manifestBytes: Uint8Array<ArrayBuffer>,
  signature: Entry | undefined,
  keys: readonly TrustedKey[],
): Promise<string | null> {
  if (keys.length === 0) return null;
  const sigBytes = signature ? await readSmall(signature, MAX_SIGNATURE_BYTES) : null;
  const result = await verifyManifestSignature(manifestBytes, sigBytes, keys);
  if (result.ok) return result.keyId;
  const trusted = keys.map((k) => k.id).join(", ");
  reject(
    `Package signature refused (${result.reason}): ${result.message}. ` +
      `This server accepts packages signed by ${trusted} (TRUSTED_KEYS)`,
  );
}

/**
 * Checks the package at `path` for `version`, and its signature against
 * `trustedKeys` when there are any; returns its manifest and signer or throws
 * a 400 HttpError that says what is wrong.
 */
export async function checkPackage(
  path: string,
  version: string,
  trustedKeys: readonly TrustedKey[] = [],
): Promise<CheckedPackage> {
  using file = await Deno.open(path, { read: true });
  const zip = new ZipReader(new FsFileReader(file), { filenameValidation: "tolerant" });
  try {
    let entries: Entry[];
    try {
      entries = await zip.getEntries();
    } catch {
      reject("The file is not a zip archive");
    }
    const byName = new Map<string, Entry>();
    for (const entry of entries) {
      if (!isSafeEntryPath(entry.filename)) {
        reject(`The package has an unsafe entry path "${entry.filename.slice(0, 200)}"`);
      }
      if (byName.has(entry.filename)) reject(`The package has "${entry.filename}" twice`);
      byName.set(entry.filename, entry);
    }
    const manifestEntry = byName.get(MANIFEST_NAME);
    if (!manifestEntry) reject(`The package has no ${MANIFEST_NAME}`);
    const manifestBytes = await readSmall(manifestEntry, MAX_MANIFEST_BYTES);
    const signedBy = await checkSignature(manifestBytes, byName.get(SIGNATURE_NAME), trustedKeys);
    const manifest = parseManifest(manifestBytes);
    if (manifest.version !== version) {
      reject(`${MANIFEST_NAME} says version "${manifest.version}", the upload says "${version}"`);
    }
    for (const role of ["agent", "updater"] as const) {
      const name = manifest[role];
      const entry = byName.get(name);
      if (!entry || entry.directory) {
        reject(`The package has no ${role} file "${name}" (named by ${MANIFEST_NAME})`);
      }
    }
    return { manifest, signedBy };
  } finally {
    await zip.close();
  }
}
