/**
 * The steps of `initiateUpdate` (the plan's section II.1), in order: resource
 * check, download, checksum, verify the package (signature, versions, every
 * file) and extract the updater, launch it. Each step enters its state first
 * and throws an UpdateError of its own type; the caller turns any failure into
 * a report and a return to IDLE.
 */
import { join } from "node:path";
import type { UpdateInfo } from "../../protocol/mod.ts";
import { parseTrustedKeys } from "../../package/signature.ts";
import { AgentState } from "../core/agent_state.ts";
import { DownloadGaveUpError, type DownloadOptions, type DownloadResult } from "../net/download.ts";
import type { Logger } from "../log.ts";
import type { AgentPaths } from "../paths.ts";
import { spaceNeeded } from "../../package/mod.ts";
import { checkResources } from "./resource_check.ts";
import { extractUpdater } from "./extract_updater.ts";
import { launchUpdater } from "./launch_updater.ts";
import { UpdateError } from "./update_error.ts";
import { sha256File } from "./verify.ts";

/** Where the package comes from (HttpClient). */
export interface UpdateServer {
  /** Downloads `url` to `savePath` through a `.part` file that a later call resumes. */
  downloadFile(url: string, savePath: string, options?: DownloadOptions): Promise<DownloadResult>;
}

export interface UpdateContext {
  info: UpdateInfo;
  paths: AgentPaths;
  server: UpdateServer;
  log: Logger;
  setState: (state: AgentState) => void;
  /** Download progress, 0..1 (the update-status reports; they pace themselves). */
  reportProgress?: (fraction: number) => void;
  signal: AbortSignal;
  /** The running agent's VERSION: a package must be newer. */
  runningVersion: string;
  /** Public keys whose signature is accepted (agent/trusted_keys.ts); empty: none required. */
  trustedKeys: readonly string[];
  /** Retry policy, idle timeout, pacing and progress of the download (download_settings.ts). */
  download?: Pick<DownloadOptions, "policy" | "idleTimeoutMs" | "bytesPerSecond" | "onProgress">;
}

export function packagePath(paths: AgentPaths, version: string): string {
  return join(paths.updateDir, `package-${version}.zip`);
}

function updaterDir(paths: AgentPaths): string {
  return join(paths.updateDir, "updater");
}

/** Runs steps 1–5; when it returns, the updater is running and the agent must shut down. */
export async function runUpdateSteps(ctx: UpdateContext): Promise<void> {
  const { info, paths, server, log } = ctx;
  const pkg = packagePath(paths, info.version);
  const step = (n: number, name: string, fields: Record<string, unknown> = {}) =>
    log.info(`Update step ${n}/5: ${name}`, { version: info.version, ...fields });

  step(1, "checking resources", { install_dir: paths.installDir, package_bytes: info.file_size });
  await Deno.mkdir(paths.updateDir, { recursive: true });
  await removeStaleDownloads(paths.updateDir, [`${pkg}.part`, `${pkg}.part.json`]);
  const space = await checkResources(paths.installDir, spaceNeeded({ download: info.file_size }));
  log.info("Enough free disk space for the download", space);

  ctx.setState(AgentState.UPDATING_DOWNLOADING);
  step(2, "downloading", {
    url: info.download_url,
    to: pkg,
    ...(ctx.download?.bytesPerSecond ? { bytes_per_second: ctx.download.bytesPerSecond } : {}),
  });
  try {
    const result = await server.downloadFile(info.download_url, pkg, {
      ...ctx.download,
      expectedSize: info.file_size,
      identity: info.checksum_sha256,
      signal: ctx.signal,
      // The update-status reporter sends it at most every 5 s (update_status.ts).
      onProgress: (bytes, total) => ctx.reportProgress?.(bytes / (total ?? info.file_size)),
    });
    log.info("Package downloaded", { path: pkg, ...result });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    throw new UpdateError(
      "UpdateDownloadFailed",
      `Cannot download ${info.download_url}: ${(error as Error).message}`,
      {
        download_url: info.download_url,
        save_path: pkg,
        ...(error instanceof DownloadGaveUpError ? error.details : {}),
      },
      { cause: error },
    );
  }

  ctx.setState(AgentState.UPDATING_VERIFYING);
  step(3, "verifying the SHA-256", { path: pkg });
  const actual = await sha256File(pkg);
  if (actual !== info.checksum_sha256) {
    // A corrupt package must not be used or resumed: it is deleted.
    await Deno.remove(pkg).catch(() => {});
    throw new UpdateError(
      "UpdateChecksumMismatch",
      `Package checksum mismatch: expected ${info.checksum_sha256}, got ${actual}`,
      {
        download_url: info.download_url,
        expected_checksum: info.checksum_sha256,
        actual_checksum: actual,
      },
    );
  }

  ctx.setState(AgentState.UPDATING_EXTRACTING_UPDATER);
  step(4, "verifying the package and extracting the updater", { to: updaterDir(paths) });
  const trustedKeys = await parseTrustedKeys(ctx.trustedKeys);
  if (trustedKeys.length === 0) {
    log.warn("This agent has no trusted keys (a development build): signatures are not checked");
  }
  const { launcher, signedBy } = await extractUpdater(pkg, updaterDir(paths), {
    version: info.version,
    runningVersion: ctx.runningVersion,
    trustedKeys,
    beforeExtract: async (manifest) => {
      const need = spaceNeeded({ manifest, updaterCopy: true });
      log.info(
        "Enough free disk space for the update",
        await checkResources(paths.installDir, need),
      );
    },
  });
  if (signedBy) log.info("Package signature verified", { key_id: signedBy, version: info.version });

  ctx.setState(AgentState.UPDATING_PREPARING_SHUTDOWN);
  step(5, "launching the updater", { launcher });
  const pid = await launchUpdater(launcher, {
    packagePath: pkg,
    installDir: paths.installDir,
    pidToWait: Deno.pid,
    logDir: paths.logDir,
    trustedKeys: trustedKeys.map((k) => k.text),
  });
  // Point of no return: the updater waits for this process to exit.
  log.info("Updater started; handing over", { updater_pid: pid, version: info.version });
}

/** Removes what earlier updates left in the staging area, except a resumable download. */
async function removeStaleDownloads(dir: string, keep: string[]): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (!keep.includes(path)) await Deno.remove(path, { recursive: true });
  }
}

/** Removes what a failed update leaves behind; a partial download stays to be resumed. */
export async function cleanUpFailedUpdate(paths: AgentPaths, version: string): Promise<void> {
  await Deno.remove(updaterDir(paths), { recursive: true }).catch(() => {});
  await Deno.remove(packagePath(paths, version)).catch(() => {});
}
