import assert from "node:assert/strict";
import { join } from "node:path";
import { isProcessAlive, LockHeldError, LockManager } from "./lock.ts";

async function withLockPath(fn: (path: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir({ prefix: "agent-lock-" });
  try {
    await fn(join(dir, "agent.lock"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The PID of a process that has just exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", "0"], stdout: "null" }).spawn();
  await child.status;
  return child.pid;
}

Deno.test("LockManager.acquire writes this process's PID and release removes it", async () => {
  await withLockPath((path) => {
    const lock = new LockManager(path);
    assert.equal(lock.acquire(), null);
    assert.equal(JSON.parse(Deno.readTextFileSync(path)).pid, Deno.pid);
    lock.release();
    lock.release(); // a second release is harmless
    assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
  });
});

Deno.test("LockManager.acquire takes over a lock left by a dead process", async () => {
  const pid = await deadPid();
  assert.equal(isProcessAlive(pid), false);
  await withLockPath((path) => {
    Deno.writeTextFileSync(path, JSON.stringify({ pid, started_at: "2026-01-01T00:00:00Z" }));
    const lock = new LockManager(path);
    assert.equal(lock.acquire(), pid);
    assert.equal(JSON.parse(Deno.readTextFileSync(path)).pid, Deno.pid);
    lock.release();
  });
});

Deno.test("LockManager.acquire takes over a torn lock file", async () => {
  await withLockPath((path) => {
    Deno.writeTextFileSync(path, '{"pid": 12');
    const lock = new LockManager(path);
    assert.equal(lock.acquire(), 0);
    lock.release();
  });
});

Deno.test("LockManager.acquire refuses a lock held by a live process", async () => {
  await withLockPath((path) => {
    // The test runner's parent is alive for the whole test.
    const content = JSON.stringify({ pid: Deno.ppid, started_at: "2026-01-01T00:00:00Z" });
    Deno.writeTextFileSync(path, content);
    const lock = new LockManager(path);
    assert.throws(() => lock.acquire(), (error: unknown) => {
      assert.ok(error instanceof LockHeldError);
      assert.equal(error.pid, Deno.ppid);
      assert.match(error.message, /Another agent \(PID \d+, started .*\) is already running/);
      return true;
    });
    lock.release(); // not ours: must not remove it
    assert.equal(Deno.readTextFileSync(path), content);
  });
});
