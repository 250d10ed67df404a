import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../log.ts";
import { HealthFile } from "./health_file.ts";

Deno.test("HealthFile keeps server_reached_at when it arrives while the first write is in flight", async () => {
  const dir = await Deno.makeTempDir();
  const log = new Logger({ dir });
  try {
    for (let round = 0; round < 20; round++) {
      const path = join(dir, `health-${round}.json`);
      const health = new HealthFile(path, "1.1.0", log);
      // As at start-up: the WebSocket may connect while the started state is being written.
      const started = health.writeStarted();
      const reached = health.markServerReached();
      await Promise.all([started, reached]);
      const saved = JSON.parse(await Deno.readTextFile(path));
      assert.equal(saved.version, "1.1.0");
      assert.equal(
        typeof saved.server_reached_at,
        "string",
        `round ${round}: ${JSON.stringify(saved)}`,
      );
    }
  } finally {
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
});
