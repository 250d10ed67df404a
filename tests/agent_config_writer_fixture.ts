/**
 * Child process of agent_config_crash_test.ts: rewrites the config of
 * `<install-dir>` through ConfigFile in a loop, each time with a large
 * value, so that a kill lands in the middle of a write. Prints "writing" once.
 *   deno run -A tests/agent_config_writer_fixture.ts <install-dir>
 */
import { ConfigFile } from "../agent/config.ts";

const config = await ConfigFile.load(Deno.args[0]);
const padding = "x".repeat(4 * 1024 * 1024);
for (let i = 0;; i++) {
  await config.set("padding", `${i}:${padding}`);
  if (i === 0) console.log("writing");
}
