/**
 * Checks an uploaded package before it is accepted: a zip, every entry a plain
 * relative path (no zip-slip), one `manifest.json` for the expected version,
 * and the agent and updater files the manifest names. The archive is read with
 * random access (seek + read), so only its central directory and the manifest
 * are ever in memory.
 */
import { configure, type Entry, Reader, ZipReader } from "@zip.js/zip.js";
import { isSafeEntryPath, MANIFEST_NAME, PackageManifest } from "../../protocol/mod.ts";
import { HttpError } from "../errors.ts";

// Workers would re-load the library per call and keep the process alive.
configure({ useWebWorkers: false });

const MAX_MANIFEST_BYTES = 1024 * 1024;

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

async function readManifest(entry: Entry): Promise<PackageManifest> {
  if (entry.directory || entry.uncompressedSize > MAX_MANIFEST_BYTES) {
    reject(`${MANIFEST_NAME} is not a file of at most ${MAX_MANIFEST_BYTES} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      size += chunk.byteLength;
      if (size > MAX_MANIFEST_BYTES) throw new Error("manifest over its size limit");
      chunks.push(chunk);
    },
  });
  let text: string;
  try {
    await entry.getData(sink);
    const bytes = new Uint8Array(size);
    chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.byteLength), 0);
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    reject(`${MANIFEST_NAME} cannot be read: ${error instanceof Error ? error.message : error}`);
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

/**
 * Checks the package at `path` for `version`; returns its manifest or throws a
 * 400 HttpError that says what is wrong.
 */
export async function checkPackage(path: string, version: string): Promise<PackageManifest> {
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
    const manifest = await readManifest(manifestEntry);
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
    return manifest;
  } finally {
    await zip.close();
  }
}
