/**
 * Starts child processes that rewrite an agent's config in a loop and kills
 * each with SIGKILL at a random moment: the config must always load, with its
 * credentials intact.
 */
import assert from "node:assert/strict";
import { ConfigFile } from "../agent/config.ts";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./agent_config_writer_fixture.ts", import.meta.url));

Deno.test({
  name: "agent config survives a writer killed mid-write",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hangar-config-crash-" });
    try {
      await ConfigFile.create(dir, {
        server_url: "http://127.0.0.1:1",
        agent_id: "agent-1",
        agent_token: "token-1",
        current_version: "1.0.0",
      });
      for (let round = 0; round < 5; round++) {
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-all", FIXTURE, dir],
          stdout: "piped",
          stderr: "inherit",
        }).spawn();
        const reader = child.stdout.getReader();
        await reader.read(); // "writing": the loop is under way
        reader.releaseLock();
        await new Promise((r) => setTimeout(r, Math.random() * 100));
        child.kill("SIGKILL");
        await child.status;
        await child.stdout.cancel();

        const config = await ConfigFile.load(dir);
        assert.equal(config.get("agent_id"), "agent-1");
        assert.equal(config.get("agent_token"), "token-1");
        assert.match(String(config.config.padding), /^\d+:x{4194304}$/);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
