/**
 * Writes and reads package zips with @zip.js/zip.js, streaming from and to
 * files so a big package never sits in memory whole.
 */
import {
  type Entry,
  type FileEntry,
  Reader,
  Uint8ArrayWriter,
  ZipReader,
  ZipWriter,
} from "@zip.js/zip.js";
import { dirname, join } from "node:path";
import { isSafeEntryPath } from "../../package/mod.ts";

export interface ZipEntryInput {
  /** The name in the zip, relative, with forward slashes. */
  path: string;
  /** Marks the entry executable (Unix mode 0755) for unzip tools that honour it. */
  executable?: boolean;
}

/**
 * Zips `entries` (files under `dir`) into `zipPath`, in the given order. With
 * `modified` every entry gets that time, so the same files give the same zip
 * byte for byte (reproducible builds).
 */
export async function writeZip(
  zipPath: string,
  dir: string,
  entries: ZipEntryInput[],
  modified?: Date,
) {
  const out = await Deno.open(zipPath, { write: true, create: true, truncate: true });
  const writer = new ZipWriter(out.writable, { useWebWorkers: false });
  try {
    for (const entry of entries) {
      const file = await Deno.open(join(dir, entry.path));
      await writer.add(entry.path, file.readable, {
        unixMode: entry.executable ? 0o100755 : 0o100644,
        ...(modified ? { lastModDate: modified } : {}),
      });
    }
  } finally {
    // Closing the writer writes the central directory and closes the file.
    await writer.close();
  }
}

/**
 * A zip.js reader over a file on disk: seeks and reads only the bytes asked
 * for. zip.js may ask for several ranges at once, so reads are queued.
 */
export class FileRangeReader extends Reader<string> {
  #path: string;
  #file?: Deno.FsFile;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    super(path);
    this.#path = path;
  }

  override async init() {
    this.#file = await Deno.open(this.#path);
    this.size = (await this.#file.stat()).size;
  }

  override readUint8Array(index: number, length: number): Promise<Uint8Array> {
    const read = this.#queue.then(async () => {
      const file = this.#file!;
      const buffer = new Uint8Array(Math.max(0, Math.min(length, this.size - index)));
      await file.seek(index, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < buffer.length) {
        const n = await file.read(buffer.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      return buffer.subarray(0, filled);
    });
    this.#queue = read.catch(() => undefined);
    return read;
  }

  close() {
    this.#file?.close();
    this.#file = undefined;
  }
}

export interface ZipListing {
  path: string;
  size: number;
  executable: boolean;
}

/** Runs `use` with an open reader of the zip at `zipPath` and closes it afterwards. */
async function withZip<T>(zipPath: string, use: (zip: ZipReader<string>) => Promise<T>) {
  const source = new FileRangeReader(zipPath);
  const zip = new ZipReader(source, { useWebWorkers: false });
  try {
    return await use(zip);
  } finally {
    await zip.close();
    source.close();
  }
}

/** The file entries of a zip, in order. */
export function listZip(zipPath: string): Promise<ZipListing[]> {
  return withZip(
    zipPath,
    async (zip) =>
      (await zip.getEntries()).filter((e) => !e.directory).map((e) => ({
        path: e.filename,
        size: e.uncompressedSize,
        executable: ((e.unixMode ?? 0) & 0o111) !== 0,
      })),
  );
}

/** One entry's bytes (for small entries such as the manifest). */
export function readZipEntry(zipPath: string, name: string): Promise<Uint8Array> {
  return withZip(zipPath, async (zip) => {
    const entry = (await zip.getEntries()).find((e): e is FileEntry =>
      e.filename === name && !e.directory
    );
    if (!entry) throw new Error(`The zip ${zipPath} has no entry "${name}"`);
    return await entry.getData(new Uint8ArrayWriter());
  });
}

/** Extracts every file of a zip under `dir`, streaming each entry to disk. */
export function extractZip(zipPath: string, dir: string): Promise<string[]> {
  return withZip(zipPath, async (zip) => {
    const written: string[] = [];
    const files = (await zip.getEntries()).filter((e: Entry): e is FileEntry => !e.directory);
    for (const entry of files) {
      if (!isSafeEntryPath(entry.filename)) {
        throw new Error(`Refusing to extract unsafe zip entry "${entry.filename}"`);
      }
      const target = join(dir, entry.filename);
      await Deno.mkdir(dirname(target), { recursive: true });
      const out = await Deno.open(target, { write: true, create: true, truncate: true });
      await entry.getData(out.writable);
      written.push(entry.filename);
    }
    return written;
  });
}
