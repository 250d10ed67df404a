/**
 * How much free disk space an update needs on the install folder's volume,
 * from what the package really holds (its manifest's sizes) rather than a
 * multiple of the zip: a portable package's zip is a fifth of what it
 * unpacks to. The parts:
 *   download  the zip itself, kept until the updater is done with it
 *   staging   every listed file, extracted by the updater into `_staging_new/`
 *   updater   the updater's files, extracted by the agent into `_update/updater/`
 *   backup    nothing: the old files are renamed into `_backup_old/` on the same volume
 * plus a margin (10 %, at least 1 MiB) for logs, the journal and rounding to
 * the volume's blocks. Before the download only the zip's size is known; the
 * rest is checked once the manifest is trusted, before anything is extracted.
 */
import { statfs } from "node:fs/promises";
import { type Manifest, updaterFiles } from "./manifest.ts";

export const SPACE_MARGIN_FRACTION = 0.1;
export const SPACE_MARGIN_MIN_BYTES = 1024 * 1024;

export type SpaceNeed = {
  download_bytes: number;
  staging_bytes: number;
  updater_bytes: number;
  backup_bytes: number;
  margin_bytes: number;
  required_bytes: number;
};

/** What is still to be written: the download, the staged files, the updater's copy. */
export interface SpaceParts {
  /** Bytes of the zip still to download. */
  download?: number;
  /** The trusted manifest: its files are staged. */
  manifest?: Manifest;
  /** The agent also extracts the updater's files (step 4 of the agent's update). */
  updaterCopy?: boolean;
}

/** The free bytes an update needs for `parts`, itemised. */
export function spaceNeeded(parts: SpaceParts): SpaceNeed {
  const sizes = new Map(parts.manifest?.files.map((f) => [f.path, f.size]) ?? []);
  const sum = (paths: Iterable<string>) => [...paths].reduce((n, p) => n + (sizes.get(p) ?? 0), 0);
  const download = parts.download ?? 0;
  const staging = sum(sizes.keys());
  const updater = parts.manifest && parts.updaterCopy ? sum(updaterFiles(parts.manifest)) : 0;
  const subtotal = download + staging + updater;
  const margin = Math.max(SPACE_MARGIN_MIN_BYTES, Math.ceil(subtotal * SPACE_MARGIN_FRACTION));
  return {
    download_bytes: download,
    staging_bytes: staging,
    updater_bytes: updater,
    backup_bytes: 0,
    margin_bytes: margin,
    required_bytes: subtotal + margin,
  };
}

/** Free bytes available to this user on the volume holding `path`. */
export async function freeBytesAt(path: string): Promise<number> {
  const stats = await statfs(path);
  return Number(stats.bavail) * Number(stats.bsize);
}
