/**
 * The one zip reader: a zip.js `Reader` over an open file that seeks and reads
 * only the byte ranges asked for, so a package of any size costs its central
 * directory and one entry's buffers in memory, never the whole archive
 * (`new ZipReader(file.readable)` would buffer it all).
 */
import { configure, Reader } from "@zip.js/zip.js";

// Workers would need their own module files, which a compiled agent or updater does not carry.
configure({ useWebWorkers: false });

/** Reads byte ranges of an open file; zip.js may ask for several at once, so reads queue. */
export class FileRangeReader extends Reader<Deno.FsFile> {
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
    // One file position is shared: reads are serialised so a seek never lands mid-read.
    const read = this.#queue.then(() => this.#readAt(offset, length));
    this.#queue = read.catch(() => {});
    return read;
  }

  async #readAt(offset: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(Math.max(0, Math.min(length, this.size - offset)));
    await this.#file.seek(offset, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < buffer.length) {
      const n = await this.#file.read(buffer.subarray(filled));
      if (n === null) return buffer.subarray(0, filled);
      filled += n;
    }
    return buffer;
  }
}
