/**
 * Step 4 of an update: take the updater out of the NEW package (so a fixed
 * updater ships with the version it installs) into `_update/updater/`. The
 * zip is read through a random-access reader over the file; every extracted
 * file must match its size and SHA-256 in the package's manifest.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import * as zip from "@zip.js/zip.js";
import {
  isSafeEntryPath,
  launcherPath,
  MANIFEST_NAME,
  PackageManifest,
  updaterFiles,
} from "../../protocol/mod.ts";
import { UpdateError } from "./update_error.ts";

// Workers would need their own module files, which a compiled agent does not carry.
zip.configure({ useWebWorkers: false });

/** Reads byte ranges of an open file; zip.js may ask for several at once, so reads queue. */
class FsFileReader extends zip.Reader<Deno.FsFile> {
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

function fail(message: string, details: Record<string, unknown>, cause?: unknown): never {
  throw new UpdateError("UpdateExtractionFailed", message, details, { cause });
}

export interface ExtractedUpdater {
  manifest: PackageManifest;
  /** The file to run: the updater (or its launcher) in `destDir`. */
  launcher: string;
}

/** Extracts the updater of the package at `packagePath` into an emptied `destDir`. */
export async function extractUpdater(
  packagePath: string,
  destDir: string,
  expectedVersion: string,
): Promise<ExtractedUpdater> {
  const details = { package_path: packagePath, dest_dir: destDir };
  await Deno.remove(destDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(destDir, { recursive: true });
  const file = await Deno.open(packagePath, { read: true });
  const reader = new zip.ZipReader(new FsFileReader(file));
  try {
    let entries: zip.Entry[];
    try {
      entries = await reader.getEntries();
    } catch (error) {
      fail(`Package is not a readable zip: ${(error as Error).message}`, details, error);
    }
    const byName = new Map(entries.map((e) => [e.filename, e]));
    const manifest = await readManifest(byName.get(MANIFEST_NAME), details);
    if (manifest.version !== expectedVersion) {
      fail(`Package is version ${manifest.version}, expected ${expectedVersion}`, {
        ...details,
        manifest_version: manifest.version,
      });
    }
    const names = updaterFiles(manifest);
    if (!names.includes(manifest.updater)) {
      fail(`Manifest lists no file for its updater "${manifest.updater}"`, details);
    }
    for (const name of names) {
      const expected = manifest.files.find((f) => f.path === name)!;
      await extractVerified(byName.get(name), name, expected, destDir, details);
    }
    return { manifest, launcher: join(destDir, launcherPath(manifest, manifest.updater)) };
  } finally {
    await reader.close().catch(() => {});
    file.close();
  }
}

async function readManifest(
  entry: zip.Entry | undefined,
  details: Record<string, unknown>,
): Promise<PackageManifest> {
  if (!entry || entry.directory) fail(`Package has no ${MANIFEST_NAME}`, details);
  let raw: unknown;
  try {
    raw = JSON.parse(await entry.getData(new zip.TextWriter()));
  } catch (error) {
    fail(`Cannot read ${MANIFEST_NAME}: ${(error as Error).message}`, details, error);
  }
  const parsed = PackageManifest.safeParse(raw);
  if (!parsed.success) fail(`Invalid ${MANIFEST_NAME}: ${parsed.error.message}`, details);
  return parsed.data;
}

async function extractVerified(
  entry: zip.Entry | undefined,
  name: string,
  expected: { sha256: string; size: number },
  destDir: string,
  details: Record<string, unknown>,
): Promise<void> {
  if (!isSafeEntryPath(name)) fail(`Unsafe path in package: ${JSON.stringify(name)}`, details);
  if (!entry || entry.directory) fail(`Package lacks ${name}, which its manifest lists`, details);
  const target = join(destDir, name);
  await Deno.mkdir(dirname(target), { recursive: true });
  const out = await Deno.open(target, { write: true, create: true, truncate: true });
  const hash = createHash("sha256");
  let size = 0;
  try {
    await entry.getData(
      new WritableStream<Uint8Array>({
        async write(chunk) {
          hash.update(chunk);
          size += chunk.length;
          let written = 0;
          while (written < chunk.length) written += await out.write(chunk.subarray(written));
        },
      }),
    );
  } catch (error) {
    fail(`Cannot extract ${name}: ${(error as Error).message}`, { ...details, file: name }, error);
  } finally {
    out.close();
  }
  const actual = hash.digest("hex");
  if (size !== expected.size || actual !== expected.sha256) {
    fail(`${name} does not match the manifest`, {
      ...details,
      file: name,
      expected_checksum: expected.sha256,
      actual_checksum: actual,
      expected_size: expected.size,
      actual_size: size,
    });
  }
  if (Deno.build.os !== "windows") await Deno.chmod(target, 0o755);
}
