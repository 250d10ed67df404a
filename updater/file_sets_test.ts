import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import {
  allNewInPlace,
  backupOldFiles,
  listOldFiles,
  removeNewFiles,
  restoreBackup,
  swapInNewFiles,
} from "./file_sets.ts";
import { moveFile } from "../host/fs_retry.ts";
import { installPaths, nativePath } from "./paths.ts";

const OLD: Record<string, string> = {
  "agent.exe": "old agent",
  "updater.exe": "old updater",
  "lib/old-only.dll": "old only",
  "lib/shared.dll": "old shared",
  "manifest.json": '{"version":"1.0.0"}',
};
const NEW: Record<string, string> = {
  "agent.exe": "new agent",
  "updater.exe": "new updater",
  "lib/shared.dll": "new shared",
  "plugins/new-only/x.dll": "new only",
  "manifest.json": '{"version":"1.1.0"}',
};
const DATA: Record<string, string> = { "config/config.json": "{}", "logs/agent.log": "log" };

async function write(root: string, files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    await Deno.mkdir(dirname(nativePath(root, path)), { recursive: true });
    await Deno.writeTextFile(nativePath(root, path), content);
  }
}

/** Every file under `root` as path → content hash, plus empty folders. */
async function tree(root: string, rel = ""): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const entries = [...Deno.readDirSync(join(root, rel))];
  if (entries.length === 0 && rel !== "") found[`${rel}/`] = "empty";
  for (const entry of entries) {
    const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory) Object.assign(found, await tree(root, path));
    else {found[path] = createHash("sha256").update(await Deno.readFile(join(root, path))).digest(
        "hex",
      );}
  }
  return found;
}

async function freshInstall() {
  const dir = await Deno.makeTempDir({ prefix: "hangar-sets-" });
  const paths = installPaths(dir);
  await write(dir, { ...OLD, ...DATA });
  const oldTree = await tree(dir);
  await write(paths.staging, NEW);
  return { dir, paths, oldTree };
}

const oldFiles = Object.keys(OLD).sort();
const newFiles = Object.keys(NEW);

Deno.test("listOldFiles lists the installed manifest's files that exist, and anything the new files overwrite", async () => {
  const { dir } = await freshInstall();
  await Deno.writeTextFile(join(dir, "stray.txt"), "not in any manifest");
  const installed = {
    name: "hangar-agent",
    version: "1.0.0",
    platform: "portable",
    agent: "agent.exe",
    updater: "updater.exe",
    files: ["agent.exe", "updater.exe", "lib/old-only.dll", "lib/gone.dll"].map((path) => ({
      path,
      sha256: "0".repeat(64),
      size: 1,
    })),
  };
  assert.deepEqual(await listOldFiles(dir, installed, newFiles), [
    "agent.exe",
    "lib/old-only.dll",
    "lib/shared.dll",
    "manifest.json",
    "updater.exe",
  ]);
  // Without a manifest: every file outside the agent's data and the update folders.
  assert.deepEqual(await listOldFiles(dir, null, newFiles), [...oldFiles, "stray.txt"].sort());
  await Deno.remove(dir, { recursive: true });
});

Deno.test("backup and swap leave the new agent in place and the old one in the backup", async () => {
  const { dir, paths } = await freshInstall();
  await backupOldFiles(paths, oldFiles, () => {});
  await swapInNewFiles(paths, newFiles, () => {});
  assert.ok(await allNewInPlace(paths, newFiles));
  const installed = await tree(dir);
  for (const [path, content] of Object.entries(NEW)) {
    assert.equal(await Deno.readTextFile(nativePath(dir, path)), content);
  }
  assert.equal(installed["lib/old-only.dll"], undefined);
  assert.equal(await Deno.readTextFile(nativePath(paths.backup, "lib/old-only.dll")), "old only");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rolling back after a crash at any move restores exactly the old install", async (t) => {
  // Every rename steps 3 and 4 make, in order; a crash can stop after any of them.
  const moves = [
    ...oldFiles.map((p) => (paths: ReturnType<typeof installPaths>) =>
      moveFile(nativePath(paths.install, p), nativePath(paths.backup, p))
    ),
    ...newFiles.map((p) => (paths: ReturnType<typeof installPaths>) =>
      moveFile(nativePath(paths.staging, p), nativePath(paths.install, p))
    ),
  ];
  for (let done = 0; done <= moves.length; done++) {
    await t.step(`after ${done} of ${moves.length} moves`, async () => {
      const { dir, paths, oldTree } = await freshInstall();
      for (const move of moves.slice(0, done)) await move(paths);
      assert.equal(await allNewInPlace(paths, newFiles), done === moves.length);
      // Twice: a rollback interrupted part-way is simply run again.
      for (let run = 0; run < 2; run++) {
        await removeNewFiles(paths, oldFiles, newFiles, () => {});
        await restoreBackup(paths, oldFiles, () => {});
      }
      await Deno.remove(paths.backup, { recursive: true }).catch(() => {});
      await Deno.remove(paths.staging, { recursive: true }).catch(() => {});
      assert.deepEqual(await tree(dir), oldTree);
      await Deno.remove(dir, { recursive: true });
    });
  }
});
