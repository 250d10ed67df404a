import assert from "node:assert/strict";
import { join } from "node:path";
import { isPidAlive } from "../host/process.ts";
import {
  AgentLock,
  type LockContent,
  LockHeldError,
  type ProcessProbe,
  staleReason,
} from "./lock.ts";
import { bootTime, processStartTime } from "./process_identity.ts";

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

Deno.test("AgentLock.acquire writes this process's PID and release removes it", async () => {
  await withLockPath((path) => {
    const lock = new AgentLock(path);
    assert.equal(lock.acquire(), null);
    const content = JSON.parse(Deno.readTextFileSync(path));
    assert.equal(content.pid, Deno.pid);
    // The holder's identity across reboots and PID reuse is recorded too.
    assert.equal(typeof content.process_started_at, "string");
    assert.equal(typeof content.boot_time, "string");
    lock.release();
    lock.release(); // a second release is harmless
    assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
  });
});

Deno.test("AgentLock.acquire takes over a lock left by a dead process", async () => {
  const pid = await deadPid();
  assert.equal(isPidAlive(pid), false);
  await withLockPath((path) => {
    Deno.writeTextFileSync(path, JSON.stringify({ pid, started_at: "2026-01-01T00:00:00Z" }));
    const lock = new AgentLock(path);
    assert.deepEqual(lock.acquire(), { pid, reason: "process_gone" });
    assert.equal(JSON.parse(Deno.readTextFileSync(path)).pid, Deno.pid);
    lock.release();
  });
});

Deno.test("AgentLock.acquire takes over a torn lock file", async () => {
  await withLockPath((path) => {
    Deno.writeTextFileSync(path, '{"pid": 12');
    const lock = new AgentLock(path);
    assert.deepEqual(lock.acquire(), { pid: 0, reason: "unreadable" });
    lock.release();
  });
});

Deno.test("AgentLock.acquire refuses a lock held by a live process", async () => {
  await withLockPath((path) => {
    // The test runner's parent is alive for the whole test, and started before this lock.
    const content = JSON.stringify({
      pid: Deno.ppid,
      started_at: new Date().toISOString(),
      process_started_at: processStartTime(Deno.ppid)?.toISOString(),
      boot_time: bootTime()?.toISOString(),
    });
    Deno.writeTextFileSync(path, content);
    const lock = new AgentLock(path);
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

Deno.test("AgentLock.acquire takes over a lock written before the last boot (PID 1 alive)", async () => {
  await withLockPath((path) => {
    const boot = bootTime()!;
    const before = new Date(boot.getTime() - 3600_000).toISOString();
    Deno.writeTextFileSync(path, JSON.stringify({ pid: 1, started_at: before }));
    const lock = new AgentLock(path);
    assert.deepEqual(lock.acquire(), { pid: 1, reason: "before_boot" });
    lock.release();
  });
});

Deno.test("AgentLock.acquire takes over a lock whose PID now belongs to another program", async () => {
  const other = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    await withLockPath((path) => {
      // The lock was written a minute ago; the process with its PID started just now.
      const started = new Date(Date.now() - 60_000).toISOString();
      Deno.writeTextFileSync(path, JSON.stringify({ pid: other.pid, started_at: started }));
      const lock = new AgentLock(path);
      assert.deepEqual(lock.acquire(), { pid: other.pid, reason: "pid_reused" });
      lock.release();
    });
  } finally {
    other.kill("SIGKILL");
    await other.status;
  }
});

Deno.test("staleReason decides by liveness, boot time and the holder's start time", async (t) => {
  const boot = Date.parse("2026-12-01T08:00:00Z");
  const iso = (ms: number) => new Date(ms).toISOString();
  const probe = (alive: boolean, start: number | null): ProcessProbe => ({
    isAlive: () => alive,
    bootTime: () => new Date(boot),
    processStartTime: () => (start === null ? null : new Date(start)),
  });
  const hour = 3600_000;
  const lock = (fields: Partial<LockContent>): LockContent => ({
    pid: 4242,
    started_at: iso(boot + hour),
    ...fields,
  });
  const cases: [string, LockContent | null, ProcessProbe, string | null][] = [
    ["a torn file", null, probe(true, boot), "unreadable"],
    ["a dead holder", lock({}), probe(false, null), "process_gone"],
    ["a live agent", lock({}), probe(true, boot + hour - 1000), null],
    [
      "a live agent with its identity recorded",
      lock({ process_started_at: iso(boot + hour - 1000), boot_time: iso(boot + 300) }),
      probe(true, boot + hour - 1000),
      null,
    ],
    [
      "written before the boot",
      lock({ started_at: iso(boot - hour) }),
      probe(true, boot),
      "before_boot",
    ],
    [
      "recorded under another boot",
      lock({ boot_time: iso(boot - 2 * hour) }),
      probe(true, boot + hour),
      "before_boot",
    ],
    ["PID now a younger program", lock({}), probe(true, boot + 2 * hour), "pid_reused"],
    [
      "PID now an older program than recorded",
      lock({ process_started_at: iso(boot + hour - 1000) }),
      probe(true, boot + 60_000),
      "pid_reused",
    ],
    ["no start time to compare: trusted", lock({}), probe(true, null), null],
  ];
  for (const [name, content, p, expected] of cases) {
    await t.step(`${name} -> ${expected}`, () => assert.equal(staleReason(content, p), expected));
  }
});
