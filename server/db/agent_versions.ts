/**
 * Data access for uploaded agent versions. `file_path` holds the package's file
 * name inside DATA_DIR/packages (not an absolute path), so the data folder can move.
 * Ordering by semver happens in the service: SQL cannot compare `1.10.0` and `1.9.0`.
 */
import { type Queryable, toIso } from "./db.ts";

export interface AgentVersionRow {
  id: string;
  version: string;
  checksum_sha256: string;
  download_url: string;
  notes: string | null;
  is_stable: boolean;
  file_path: string;
  file_size: number;
  /** The id of the trusted key that signed the package, or null when none was checked. */
  signed_by: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = `id::text AS id, version, checksum_sha256, download_url, notes, is_stable,
  file_path, file_size, signed_by, created_at, updated_at`;

function toAgentVersion(row: Record<string, unknown>): AgentVersionRow {
  return {
    ...(row as unknown as AgentVersionRow),
    file_size: Number(row.file_size),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

export interface NewAgentVersion {
  version: string;
  checksumSha256: string;
  downloadUrl: string;
  notes: string | null;
  filePath: string;
  fileSize: number;
  signedBy: string | null;
}

/** Inserts a version; returns null when the version already exists (also under a race). */
export async function insertAgentVersion(
  db: Queryable,
  input: NewAgentVersion,
): Promise<AgentVersionRow | null> {
  const rows = await db.query(
    `INSERT INTO agent_versions
       (version, checksum_sha256, download_url, notes, file_path, file_size, signed_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (version) DO NOTHING RETURNING ${COLUMNS}`,
    [
      input.version,
      input.checksumSha256,
      input.downloadUrl,
      input.notes,
      input.filePath,
      input.fileSize,
      input.signedBy,
    ],
  );
  return rows[0] ? toAgentVersion(rows[0]) : null;
}

export async function listAgentVersions(db: Queryable): Promise<AgentVersionRow[]> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM agent_versions`);
  return rows.map(toAgentVersion);
}

/**
 * Sets `is_stable`; returns the row and whether it was stable before, or null
 * for an unknown id. `updated_at` moves only when the flag changes.
 */
export async function setAgentVersionStable(
  db: Queryable,
  id: string,
  isStable: boolean,
): Promise<{ row: AgentVersionRow; wasStable: boolean } | null> {
  const rows = await db.query(
    `WITH old AS (SELECT id, is_stable FROM agent_versions WHERE id::text = $1 FOR UPDATE)
     UPDATE agent_versions v SET is_stable = $2,
       updated_at = CASE WHEN v.is_stable <> $2 THEN now() ELSE v.updated_at END
     FROM old WHERE v.id = old.id
     RETURNING v.id::text AS id, v.version, v.checksum_sha256, v.download_url, v.notes,
       v.is_stable, v.file_path, v.file_size, v.signed_by, v.created_at, v.updated_at,
       old.is_stable AS was_stable`,
    [id, isStable],
  );
  if (!rows[0]) return null;
  const { was_stable, ...row } = rows[0];
  return { row: toAgentVersion(row), wasStable: Boolean(was_stable) };
}
