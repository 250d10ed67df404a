/** Shared by the version and package route tests: real package zips and upload requests. */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { AgentVersionRecord } from "../../protocol/mod.ts";
import { makePackage, type MakePackageOptions } from "./make_package.ts";
import type { TestApp } from "./test_app.ts";

export interface BuiltPackage {
  bytes: Uint8Array;
  sha256: string;
}

/** The files of a fixture package; the manifest lists them all. */
export const PACKAGE_FILES = {
  agent: "#!/bin/sh\necho agent\n",
  updater: "#!/bin/sh\necho updater\n",
};

/** A real package zip for `version` (portable launchers), optionally altered. */
export async function buildPackage(
  version: string,
  options: Partial<MakePackageOptions> = {},
): Promise<BuiltPackage> {
  const dir = await Deno.makeTempDir({ prefix: "hangar-pkg-" });
  try {
    const path = join(dir, "package.zip");
    await makePackage({
      version,
      files: PACKAGE_FILES,
      ...options,
    }, path);
    const bytes = await Deno.readFile(path);
    return { bytes, sha256: sha256(bytes) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface UploadFields {
  version?: string;
  notes?: string;
  file?: Uint8Array;
}

/** `POST /api/admin/agents/versions` as the admin page sends it (version before file). */
export function uploadRequest(t: TestApp, fields: UploadFields): Promise<Response> {
  const form = new FormData();
  if (fields.version !== undefined) form.append("version", fields.version);
  if (fields.notes !== undefined) form.append("notes", fields.notes);
  if (fields.file) form.append("file", new Blob([fields.file as BlobPart]), "package.zip");
  return Promise.resolve(
    t.app.request("/api/admin/agents/versions", {
      method: "POST",
      headers: t.adminHeaders,
      body: form,
    }),
  );
}

/** Uploads `version` and returns its record, failing the test on anything but 201. */
export async function uploadVersion(
  t: TestApp,
  version: string,
  pkg?: BuiltPackage,
): Promise<AgentVersionRecord & { bytes: Uint8Array }> {
  const built = pkg ?? await buildPackage(version);
  const res = await uploadRequest(t, { version, notes: `notes for ${version}`, file: built.bytes });
  if (res.status !== 201) throw new Error(`upload ${version}: ${res.status} ${await res.text()}`);
  return { ...(await res.json()), bytes: built.bytes };
}

/** Every file under DATA_DIR/packages, temp files included (relative paths). */
export async function packageFiles(t: TestApp): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string, prefix: string) {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory) await walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else found.push(prefix + entry.name);
    }
  }
  await walk(join(t.dataDir, "packages"), "");
  return found.sort();
}

export async function versionRowCount(t: TestApp): Promise<number> {
  const rows = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM agent_versions");
  return rows[0].n;
}

export function setStable(t: TestApp, id: string, isStable: boolean): Promise<Response> {
  return Promise.resolve(t.app.request(`/api/admin/agents/versions/${id}`, {
    method: "PUT",
    headers: { ...t.adminHeaders, "content-type": "application/json" },
    body: JSON.stringify({ is_stable: isStable }),
  }));
}
