import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "./log.ts";

Deno.test("Logger rotates by size and keeps a fixed number of old files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "agent-log-" });
  try {
    const log = new Logger({ dir, maxBytes: 2048, keep: 2 });
    for (let i = 0; i < 200; i++) log.info(`line ${i}`, { padding: "x".repeat(40) });
    log.close();
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["agent.log", "agent.log.1", "agent.log.2"]);
    for (const name of names) assert.ok(Deno.statSync(join(dir, name)).size <= 2048 + 200);
    const last = Deno.readTextFileSync(join(dir, "agent.log")).trim().split("\n").at(-1)!;
    assert.match(last, /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO line 199 \{"padding":"x+"\}$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
