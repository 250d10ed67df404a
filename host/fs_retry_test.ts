import assert from "node:assert/strict";
import { join } from "node:path";
import { moveFile, withRetry, writeFileAtomic } from "./fs_retry.ts";

const fast = { baseDelayMs: 1 };

Deno.test("withRetry succeeds once a locked file is released", async () => {
  let calls = 0;
  const retries: string[] = [];
  const value = await withRetry("open agent.exe", () => {
    calls++;
    if (calls < 3) throw new Deno.errors.PermissionDenied("used by another process");
    return Promise.resolve("done");
  }, { ...fast, onRetry: (m) => retries.push(m) });
  assert.equal(value, "done");
  assert.equal(calls, 3);
  assert.match(
    retries[0],
    /open agent.exe failed \(attempt 1\/12\): used by another process; retrying/,
  );
});

Deno.test("withRetry gives up after its attempts with a message a user can act on", async () => {
  let calls = 0;
  await assert.rejects(
    withRetry("remove agent.exe", () => {
      calls++;
      throw new Deno.errors.PermissionDenied("denied");
    }, { ...fast, attempts: 4 }),
    /Cannot remove agent.exe after 4 attempts: denied\. Another program \(often an antivirus scanner\)/,
  );
  assert.equal(calls, 4);
});

Deno.test("withRetry does not retry a missing file", async () => {
  let calls = 0;
  await assert.rejects(
    withRetry("move x", () => {
      calls++;
      throw new Deno.errors.NotFound("gone");
    }, fast),
    Deno.errors.NotFound,
  );
  assert.equal(calls, 1);
});

Deno.test("moveFile creates the target folder and replaces an existing file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "a"), "new");
  await Deno.mkdir(join(dir, "deep", "er"), { recursive: true });
  await Deno.writeTextFile(join(dir, "deep", "er", "a"), "old");
  await moveFile(join(dir, "a"), join(dir, "deep", "er", "a"));
  assert.equal(await Deno.readTextFile(join(dir, "deep", "er", "a")), "new");
  await moveFile(join(dir, "deep", "er", "a"), join(dir, "other", "a"));
  assert.equal(await Deno.readTextFile(join(dir, "other", "a")), "new");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFileAtomic leaves the new content and no temp file", async () => {
  const dir = await Deno.makeTempDir();
  await writeFileAtomic(join(dir, "state.json"), "one");
  await writeFileAtomic(join(dir, "state.json"), "two");
  assert.equal(await Deno.readTextFile(join(dir, "state.json")), "two");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["state.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("withRetry waits longer, capped, and names the likely holder when it gives up", async () => {
  const waits: number[] = [];
  let last = performance.now();
  const error = await withRetry("replace agent.exe", () => {
    const now = performance.now();
    waits.push(now - last);
    last = now;
    return Promise.reject(new Deno.errors.PermissionDenied("denied"));
  }, { baseDelayMs: 5, maxDelayMs: 20, attempts: 6 }).catch((e) => e);
  assert.match(
    error.message,
    /Windows Defender \(MsMpEng\.exe\) scans a freshly written executable/,
  );
  assert.match(
    error.message,
    /Tried for \d+\.\d s; close that program or exclude the install folder/,
  );
  // 5, 10, 20, 20, 20 ms: doubling, then held at the cap.
  assert.ok(waits.slice(4).every((w) => w < 200), `waits ${waits}`);
});
