/** A zip.js reader over an open file: seeks and reads the ranges asked for, never the whole file. */
import * as zip from "@zip.js/zip.js";

// Workers would need their own module files, which a compiled agent does not carry.
zip.configure({ useWebWorkers: false });

/** Reads byte ranges of an open file; zip.js may ask for several at once, so reads queue. */
export class FsFileReader extends zip.Reader<Deno.FsFile> {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: Deno.FsFile) {
    super(file);
  }

  override async init(): Promise<void> {
    await super.init?.();
    this.size = (await this.file.stat()).size;
  }

  override readUint8Array(offset: number, length: number): Promise<Uint8Array> {
    const result = this.#queue.then(async () => {
      await this.file.seek(offset, Deno.SeekMode.Start);
      const data = new Uint8Array(length);
      let read = 0;
      while (read < length) {
        const count = await this.file.read(data.subarray(read));
        if (count === null) return data.subarray(0, read);
        read += count;
      }
      return data;
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
