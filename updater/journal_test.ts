import assert from "node:assert/strict";
import { join } from "node:path";
import {
  isOwnerActive,
  isRecordedProcessAlive,
  type Journal,
  readJournal,
  removeJournal,
  withJournalLock,
  writeJournal,
} from "./journal.ts";

function journal(changes: Partial<Journal> = {}): Journal {
  const now = new Date().toISOString();
  return {
    format: 1,
    updater_pid: Deno.ppid,
    owner: "updater",
    from_version: "1.0.0",
    to_version: "1.1.0",
    step: "3-backup",
    package_path: "/x/package.zip",
    log_dir: "/x/logs",
    old_files: ["agent.exe"],
    new_files: ["agent.exe", "manifest.json"],
    launched_pid: null,
    launched_at: null,
    failure: null,
    wait_timeout_ms: 60_000,
    health_timeout_ms: 60_000,
    started_at: now,
    updated_at: now,
    ...changes,
  };
}

Deno.test("writeJournal replaces the journal atomically and readJournal reads it back", async () => {
  const dir = await Deno.makeTempDir();
  assert.equal(await readJournal(dir), null);
  await writeJournal(dir, journal({ step: "3-backup" }));
  await writeJournal(dir, journal({ step: "4-swap" }));
  assert.equal((await readJournal(dir))?.step, "4-swap");
  // No temp file is left beside it.
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["_update_journal.json"]);
  await removeJournal(dir);
  assert.equal(await readJournal(dir), null);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readJournal refuses a file that is not a journal", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "_update_journal.json"), '{"step":"3-backup"}');
  await assert.rejects(readJournal(dir), /not a journal this updater knows/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("isRecordedProcessAlive trusts only live PIDs recorded since boot and recently enough", () => {
  const now = new Date().toISOString();
  const longAgo = new Date(Date.now() - 10 * 365 * 86_400_000).toISOString();
  assert.equal(isRecordedProcessAlive(Deno.ppid, now, null), true);
  assert.equal(isRecordedProcessAlive(Deno.pid, now, null), false, "ourselves");
  assert.equal(isRecordedProcessAlive(null, now, null), false);
  assert.equal(isRecordedProcessAlive(Deno.ppid, longAgo, null), false, "before the last boot");
  const minuteAgo = new Date(Date.now() - 60_000).toISOString();
  assert.equal(isRecordedProcessAlive(Deno.ppid, minuteAgo, 1_000), false, "older than any step");
});

Deno.test("isOwnerActive is false once the journal is older than its longest step allows", () => {
  assert.equal(isOwnerActive(journal()), true);
  const stale = new Date(Date.now() - 200_000).toISOString();
  assert.equal(
    isOwnerActive(journal({ updated_at: stale, wait_timeout_ms: 1000, health_timeout_ms: 1000 })),
    false,
  );
});

Deno.test("withJournalLock runs one holder at a time and takes over a dead holder's lock", async () => {
  const dir = await Deno.makeTempDir();
  const order: string[] = [];
  await Promise.all(["a", "b"].map((name) =>
    withJournalLock(dir, async () => {
      order.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 30));
      order.push(`${name} out`);
    })
  ));
  assert.deepEqual(order.map((s) => s.split(" ")[1]), ["in", "out", "in", "out"]);

  const child = new Deno.Command("true").spawn();
  await child.status;
  await Deno.writeTextFile(join(dir, "_update_journal.json.lock"), String(child.pid));
  assert.equal(await withJournalLock(dir, () => Promise.resolve("taken over")), "taken over");
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});
