/**
 * Step 4 of an update: check that the package may run (its signature and
 * versions, `package_trust.ts`), check every file against the manifest's size
 * and SHA-256, and take the updater out of the NEW package (so a fixed updater
 * ships with the version it installs) into `_update/updater/`. The zip is read
 * through a random-access reader over the file, each entry streamed once.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import * as zip from "@zip.js/zip.js";
import {
  isSafeEntryPath,
  launcherPath,
  MANIFEST_NAME,
  PackageManifest,
  SIGNATURE_NAME,
  updaterFiles,
} from "../../protocol/mod.ts";
import type { TrustedKey } from "../../protocol/signing.ts";
import { checkSignature, checkVersions, untrusted } from "./package_trust.ts";
import { UpdateError } from "./update_error.ts";
import { FsFileReader } from "./zip_file_reader.ts";

function fail(message: string, details: Record<string, unknown>, cause?: unknown): never {
  throw new UpdateError("UpdateExtractionFailed", message, details, { cause });
}

const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_SIGNATURE_BYTES = 64 * 1024;

/** What the package must be. */
export interface PackageExpectations {
  /** The version the server offered. */
  version: string;
  /** The running agent's VERSION: the package must be newer. */
  runningVersion: string;
  /** Keys whose signature is accepted; empty (a development build): no signature required. */
  trustedKeys: readonly TrustedKey[];
}

export interface ExtractedUpdater {
  manifest: PackageManifest;
  /** The file to run: the updater (or its launcher) in `destDir`. */
  launcher: string;
  /** The id of the trusted key that signed the manifest; null when none is required. */
  signedBy: string | null;
}

/** Verifies the package at `packagePath` and extracts its updater into an emptied `destDir`. */
export async function extractUpdater(
  packagePath: string,
  destDir: string,
  expected: PackageExpectations,
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
    const manifestEntry = byName.get(MANIFEST_NAME);
    if (!manifestEntry || manifestEntry.directory) fail(`Package has no ${MANIFEST_NAME}`, details);
    const manifestBytes = await readSmall(manifestEntry, MAX_MANIFEST_BYTES, details);
    const sigEntry = byName.get(SIGNATURE_NAME);
    const sigBytes = sigEntry ? await readSmall(sigEntry, MAX_SIGNATURE_BYTES, details) : null;
    // The signature first: nothing else in the package is trusted before it.
    const signedBy = await checkSignature(manifestBytes, sigBytes, expected.trustedKeys, details);
    const manifest = parseManifest(manifestBytes, details);
    checkVersions(
      manifest.version,
      expected.version,
      expected.runningVersion,
      signedBy,
      details,
    );
    const names = new Set(updaterFiles(manifest));
    if (!names.has(manifest.updater)) {
      fail(`Manifest lists no file for its updater "${manifest.updater}"`, details);
    }
    for (const listed of manifest.files) {
      if (!isSafeEntryPath(listed.path)) {
        fail(`Unsafe path in package: ${JSON.stringify(listed.path)}`, details);
      }
      const target = names.has(listed.path) ? join(destDir, listed.path) : null;
      await checkFile(byName.get(listed.path), listed, target, signedBy, details);
    }
    return {
      manifest,
      launcher: join(destDir, launcherPath(manifest, manifest.updater)),
      signedBy,
    };
  } finally {
    await reader.close().catch(() => {});
    file.close();
  }
}

async function readSmall(
  entry: zip.Entry,
  limit: number,
  details: Record<string, unknown>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (entry.directory || entry.uncompressedSize > limit) {
    fail(`${entry.filename} in the package is not a file of at most ${limit} bytes`, details);
  }
  try {
    return new Uint8Array(await entry.getData(new zip.Uint8ArrayWriter()));
  } catch (error) {
    fail(`Cannot read ${entry.filename}: ${(error as Error).message}`, details, error);
  }
}

function parseManifest(bytes: Uint8Array, details: Record<string, unknown>): PackageManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    fail(`Cannot read ${MANIFEST_NAME}: ${(error as Error).message}`, details, error);
  }
  const parsed = PackageManifest.safeParse(raw);
  if (!parsed.success) fail(`Invalid ${MANIFEST_NAME}: ${parsed.error.message}`, details);
  return parsed.data;
}

/**
 * Streams one listed file, hashing it, into `target` (an updater file) or
 * nowhere. A file that differs from a signed manifest was changed after
 * signing: UpdateSignatureInvalid; unsigned, it is a broken package.
 */
async function checkFile(
  entry: zip.Entry | undefined,
  expected: { path: string; sha256: string; size: number },
  target: string | null,
  signedBy: string | null,
  details: Record<string, unknown>,
): Promise<void> {
  const name = expected.path;
  const mismatch = (message: string, extra: Record<string, unknown>): never => {
    const all = { ...details, file: name, ...extra };
    if (signedBy) throw untrusted("file_mismatch", signedBy, message, all);
    fail(message, all);
  };
  if (!entry || entry.directory) {
    return mismatch(`Package lacks ${name}, which its manifest lists`, {});
  }
  let out: Deno.FsFile | null = null;
  if (target) {
    await Deno.mkdir(dirname(target), { recursive: true });
    out = await Deno.open(target, { write: true, create: true, truncate: true });
  }
  const hash = createHash("sha256");
  let size = 0;
  try {
    await entry.getData(
      new WritableStream<Uint8Array>({
        async write(chunk) {
          size += chunk.length;
          // A forged size in the zip directory must not fill the disk.
          if (size > expected.size) throw new Error(`${name} is larger than its manifest says`);
          hash.update(chunk);
          let written = 0;
          while (out && written < chunk.length) written += await out.write(chunk.subarray(written));
        },
      }),
    );
  } catch (error) {
    const message = `Cannot extract ${name}: ${(error as Error).message}`;
    if (size > expected.size) mismatch(message, { expected_size: expected.size });
    fail(message, { ...details, file: name }, error);
  } finally {
    out?.close();
  }
  const actual = hash.digest("hex");
  if (size !== expected.size || actual !== expected.sha256) {
    mismatch(`${name} does not match the manifest`, {
      expected_checksum: expected.sha256,
      actual_checksum: actual,
      expected_size: expected.size,
      actual_size: size,
    });
  }
  if (target && Deno.build.os !== "windows") await Deno.chmod(target, 0o755);
}
