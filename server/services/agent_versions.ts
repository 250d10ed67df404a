/**
 * Agent versions: creating a checked upload, the stable flag, and the lookups
 * agents hit all the time (check_update, package downloads). Those read an
 * in-memory snapshot of the version list, dropped whenever a version changes
 * here or on another instance (through the notifier), and at most
 * SNAPSHOT_TTL_MS old in case a notification was lost while reconnecting.
 * While the database is down (or slower than SNAPSHOT_WAIT_MS), they keep
 * reading the last snapshot that loaded, so agents still get their answer.
 */
import semver from "semver";
import type { AgentVersionRecord } from "../../protocol/mod.ts";
import {
  type AgentVersionRow,
  insertAgentVersion,
  listAgentVersions,
  setAgentVersionStable,
} from "../db/agent_versions.ts";
import type { Db } from "../db/db.ts";
import { HttpError } from "../errors.ts";
import { boundedWait } from "./bounded_wait.ts";
import type { PackageStore } from "../storage/package_store.ts";
import type { Notifier } from "../ws/notifier.ts";

export const SNAPSHOT_TTL_MS = 30_000;
/** The advisory lock that serialises version uploads (any constant unused elsewhere). */
const VERSION_UPLOAD_LOCK_KEY = 72_657_011;
/** Longest a lookup waits for the version list before it falls back to the last one. */
export const SNAPSHOT_WAIT_MS = 2_000;
/** During an outage, how often the database is tried again. */
const OUTAGE_RETRY_MS = 5_000;
/** Where agents download packages; the file name is appended. */
export const PACKAGE_URL_PREFIX = "/api/agent/agent-packages/";

interface Snapshot {
  /** Highest version first. */
  sorted: AgentVersionRow[];
  latestStable: AgentVersionRow | null;
  byFileName: Map<string, AgentVersionRow>;
}

export interface ReceivedPackage {
  version: string;
  notes: string | null;
  tempPath: string;
  sha256: string;
  size: number;
  /** The id of the trusted key whose signature was verified; null when none was checked. */
  signedBy: string | null;
}

export function toVersionRecord(row: AgentVersionRow): AgentVersionRecord {
  return {
    id: row.id,
    version: row.version,
    checksum_sha256: row.checksum_sha256,
    download_url: row.download_url,
    notes: row.notes,
    is_stable: row.is_stable,
    file_size: row.file_size,
    signed_by: row.signed_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function buildSnapshot(rows: AgentVersionRow[]): Snapshot {
  const sorted = [...rows].sort((a, b) => semver.rcompare(a.version, b.version));
  return {
    sorted,
    latestStable: sorted.find((row) => row.is_stable) ?? null,
    byFileName: new Map(rows.map((row) => [row.file_path, row])),
  };
}

export class AgentVersions {
  #snapshot: Promise<Snapshot> | null = null;
  /** `#snapshot` once it has resolved, for lookups that do not wait (check_update). */
  #ready: { promise: Promise<Snapshot>; value: Snapshot } | null = null;
  #loadedAt = 0;
  /** The last snapshot that loaded: what lookups read while the database is away. */
  #lastGood: Snapshot | null = null;
  /** Bumped by every load and invalidation, so an outdated load never clears a newer one. */
  #generation = 0;

  constructor(
    private readonly db: Db,
    private readonly store: PackageStore,
    private readonly notifier: Notifier,
    private readonly now: () => number = Date.now,
  ) {}

  /** Drops the cached version list; the next lookup reads the database. */
  invalidate(): void {
    this.#generation++;
    this.#snapshot = null;
  }

  async list(): Promise<AgentVersionRecord[]> {
    return (await this.#load()).sorted.map(toVersionRecord);
  }

  /** The highest stable version by semver, or null. */
  async latestStable(): Promise<AgentVersionRow | null> {
    return (await this.#load()).latestStable;
  }

  /** The highest stable version not above `ceiling` (null: no ceiling), or null. */
  async latestStableAtMost(ceiling: string | null): Promise<AgentVersionRow | null> {
    const snapshot = await this.#load();
    if (ceiling === null) return snapshot.latestStable;
    return snapshot.sorted.find((row) => row.is_stable && semver.lte(row.version, ceiling)) ??
      null;
  }

  /**
   * `latestStableAtMost` answered from the loaded list without waiting, or
   * undefined when the list must be (re)loaded first: the hottest route then
   * costs no promise (issue 17, item 3).
   */
  latestStableAtMostNow(ceiling: string | null): AgentVersionRow | null | undefined {
    const ready = this.#ready;
    if (!ready || ready.promise !== this.#snapshot) return undefined;
    if (this.now() - this.#loadedAt > SNAPSHOT_TTL_MS) return undefined;
    const snapshot = ready.value;
    if (ceiling === null) return snapshot.latestStable;
    return snapshot.sorted.find((row) => row.is_stable && semver.lte(row.version, ceiling)) ??
      null;
  }

  /** The version with this id, or null. */
  async findById(id: string): Promise<AgentVersionRow | null> {
    return (await this.#load()).sorted.find((row) => row.id === id) ?? null;
  }

  /** The version whose package has this file name, or null. */
  async findByFileName(fileName: string): Promise<AgentVersionRow | null> {
    return (await this.#load()).byFileName.get(fileName) ?? null;
  }

  /** True when a version with the same precedence exists (`1.0.0+a` equals `1.0.0+b`). */
  async exists(version: string): Promise<boolean> {
    return (await this.#load()).sorted.some((row) => semver.eq(row.version, version));
  }

  /**
   * Stores a checked package as `version`: the row and the final file appear
   * together or not at all. Throws 409 when the version exists, even when two
   * uploads race (the unique row decides; the loser's file is never moved).
   */
  async create(input: ReceivedPackage): Promise<AgentVersionRecord> {
    const fileName = this.store.fileNameFor(input.version);
    let promoted: string | null = null;
    let row: AgentVersionRow;
    try {
      row = await this.db.transaction(async (tx) => {
        // Serialises uploads: the unique index sees `9.1.0+a` and `9.1.0+b` as different,
        // semver precedence does not, so without the lock both could insert (issue 13, item 11).
        await tx.query("SELECT pg_advisory_xact_lock($1)", [VERSION_UPLOAD_LOCK_KEY]);
        const existing = await listAgentVersions(tx);
        const clash = existing.find((v) => semver.eq(v.version, input.version));
        const inserted = clash ? null : await insertAgentVersion(tx, {
          version: input.version,
          checksumSha256: input.sha256,
          downloadUrl: PACKAGE_URL_PREFIX + fileName,
          notes: input.notes,
          filePath: fileName,
          fileSize: input.size,
          signedBy: input.signedBy,
        });
        if (!inserted) {
          const name = clash?.version ?? input.version;
          throw new HttpError(409, "conflict", `Version "${name}" already exists`);
        }
        // Inside the transaction: a failed move rolls the row back.
        promoted = await this.store.promote(input.tempPath, fileName);
        return inserted;
      });
    } catch (error) {
      if (promoted) await this.store.remove(promoted);
      throw error;
    }
    this.invalidate();
    await this.notifier.publish({ type: "versions_changed", new_stable_version: null });
    return toVersionRecord(row);
  }

  /**
   * Sets the stable flag. When a version becomes stable, every connected agent
   * is told the highest stable version (through the notifier, on every instance).
   */
  async setStable(id: string, isStable: boolean): Promise<AgentVersionRecord> {
    const result = await setAgentVersionStable(this.db, id, isStable);
    if (!result) throw new HttpError(404, "not_found", `Agent version "${id}" not found`);
    this.invalidate();
    if (result.wasStable !== isStable) {
      const latest = isStable ? await this.latestStable() : null;
      await this.notifier.publish({
        type: "versions_changed",
        new_stable_version: latest?.version ?? null,
      });
    }
    return toVersionRecord(result.row);
  }

  #load(): Promise<Snapshot> {
    const now = this.now();
    if (this.#snapshot && now - this.#loadedAt <= SNAPSHOT_TTL_MS) return this.#snapshot;
    const generation = ++this.#generation;
    const loading = boundedWait(listAgentVersions(this.db), SNAPSHOT_WAIT_MS, "version list")
      .then(buildSnapshot)
      .then((snapshot) => {
        if (this.#generation === generation) {
          this.#lastGood = snapshot;
          this.#ready = { promise: loading, value: snapshot };
        }
        return snapshot;
      })
      .catch((error) => {
        if (this.#generation !== generation) throw error;
        const lastGood = this.#lastGood;
        if (!lastGood) {
          this.#snapshot = null; // a failed load is not cached
          throw error;
        }
        // Outage: serve the last list, and try the database again in a while.
        const kept = Promise.resolve(lastGood);
        this.#snapshot = kept;
        this.#ready = { promise: kept, value: lastGood };
        this.#loadedAt = this.now() - SNAPSHOT_TTL_MS + OUTAGE_RETRY_MS;
        return lastGood;
      });
    this.#snapshot = loading;
    this.#loadedAt = now;
    return loading;
  }
}
