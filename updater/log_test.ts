import assert from "node:assert/strict";
import { join } from "node:path";
import { UpdateLog } from "./log.ts";

Deno.test("UpdateLog.step records begin, paths, duration and failure", async () => {
  const dir = await Deno.makeTempDir();
  const log = await UpdateLog.open(join(dir, "logs"));
  assert.equal(
    await log.step("Step 3/6 backup", "4 files /i -> /i/_backup_old", () => Promise.resolve(7)),
    7,
  );
  await assert.rejects(
    log.step(
      "Step 4/6 swap",
      "/i/_staging_new -> /i",
      () => Promise.reject(new Error("disk full")),
    ),
    /disk full/,
  );
  const lines = (await Deno.readTextFile(join(dir, "logs", "updater.log"))).trim().split("\n");
  assert.equal(lines.length, 4);
  assert.match(
    lines[0],
    /INFO \[pid \d+\] Step 3\/6 backup: begin — 4 files \/i -> \/i\/_backup_old$/,
  );
  assert.match(lines[1], /INFO .*Step 3\/6 backup: done in \d+ ms$/);
  assert.match(lines[3], /ERROR .*Step 4\/6 swap: failed after \d+ ms — disk full$/);
  await Deno.remove(dir, { recursive: true });
});
