import assert from "node:assert/strict";
import { ConfigFile } from "../config.ts";
import { downloadSettings } from "./download_settings.ts";

Deno.test("downloadSettings reads the policy from the config and the limit (kilobits) from the offer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "agent-download-settings-" });
  try {
    const config = await ConfigFile.create(dir, {
      server_url: "http://127.0.0.1:1",
      agent_id: "a",
      agent_token: "t",
      download_max_idle_attempts: 4,
      download_busy_deadline_s: 60,
    });
    const limited = downloadSettings(config, { version: "1.1.0", download_limit_kbps: 8000 });
    assert.equal(limited.bytesPerSecond, 1_000_000, "8,000 kbps is 1 MB/s");
    assert.equal(limited.policy?.maxIdleAttempts, 4);
    assert.equal(limited.policy?.busyDeadlineMs, 60_000);
    assert.equal(limited.policy?.deadlineMs, 24 * 3600_000);
    assert.equal(limited.idleTimeoutMs, 60_000);
    assert.equal(downloadSettings(config, { version: "1.1.0" }).bytesPerSecond, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
