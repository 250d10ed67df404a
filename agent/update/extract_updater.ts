/**
 * Step 4 of an update: an adapter of `openVerifiedPackage` (package/). The
 * package must be trusted (signature, the offered version, newer than this
 * agent), built for this host, and match its manifest file for file; its
 * updater (and the updater's companions) is written into `_update/updater/`
 * while the whole package is verified, so a fixed updater ships with the
 * version it installs. A refusal becomes an UpdateError: UpdateSignatureInvalid
 * (with the key id and the reason) when the package is untrusted or was
 * changed after signing, UpdateExtractionFailed when it is merely broken.
 */
import { join } from "node:path";
import {
  hostPlatform,
  launcherPath,
  type Manifest,
  openVerifiedPackage,
  PackageError,
  type TrustedKey,
  updaterFiles,
} from "../../package/mod.ts";
import { UpdateError } from "./update_error.ts";

/** What the package must be. */
export interface PackageExpectations {
  /** The version the server offered. */
  version: string;
  /** The running agent's VERSION: the package must be newer. */
  runningVersion: string;
  /** Keys whose signature is accepted; empty (a development build): no signature required. */
  trustedKeys: readonly TrustedKey[];
  /** Runs once the manifest is trusted, before any file is extracted (the free-space check). */
  beforeExtract?: (manifest: Manifest) => void | Promise<void>;
}

export interface ExtractedUpdater {
  manifest: Manifest;
  /** The file to run: the updater (or its launcher) in `destDir`. */
  launcher: string;
  /** The id of the trusted key that signed the manifest; null when none is required. */
  signedBy: string | null;
}

/** The agent's error for a refused package. */
function refusalToUpdateError(error: PackageError, details: Record<string, unknown>) {
  const trust = error.trustFailure;
  const all = { ...details, ...error.details, key_id: error.keyId };
  delete all.signed;
  if (!trust) {
    return new UpdateError("UpdateExtractionFailed", error.message, all, { cause: error });
  }
  const message = error.isSignatureRefusal
    ? `Package signature refused: ${error.message}`
    : error.reason === "version_mismatch"
    ? `Package is version ${error.details.manifest_version}, but version ` +
      `${error.details.expected_version} was offered`
    : error.message;
  return new UpdateError("UpdateSignatureInvalid", message, { ...all, reason: trust }, {
    cause: error,
  });
}

/** Verifies the package at `packagePath` and extracts its updater into an emptied `destDir`. */
export async function extractUpdater(
  packagePath: string,
  destDir: string,
  expected: PackageExpectations,
): Promise<ExtractedUpdater> {
  const details = {
    package_path: packagePath,
    dest_dir: destDir,
    offered_version: expected.version,
    running_version: expected.runningVersion,
  };
  await Deno.remove(destDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(destDir, { recursive: true });
  let names = new Set<string>();
  try {
    const { manifest, signedBy } = await openVerifiedPackage(packagePath, {
      trustedKeys: expected.trustedKeys,
      version: expected.version,
      newerThan: expected.runningVersion,
      platform: hostPlatform(),
    }, {
      beforeContents: async (manifest) => {
        names = new Set(updaterFiles(manifest));
        await expected.beforeExtract?.(manifest);
      },
      extract: { dir: destDir, select: (path) => names.has(path) },
    });
    return {
      manifest,
      launcher: join(destDir, launcherPath(manifest, manifest.updater)),
      signedBy,
    };
  } catch (error) {
    if (error instanceof PackageError) throw refusalToUpdateError(error, details);
    throw error;
  }
}
