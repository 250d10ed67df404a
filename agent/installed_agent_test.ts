import assert from "node:assert/strict";
import { join } from "node:path";
import { startInstalledAgentIfOther } from "./installed_agent.ts";

async function installWith(version: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "hangar-installed-" });
  const manifest = {
    name: "hangar-agent",
    version,
    platform: "linux-x64",
    agent: "agent",
    updater: "updater",
    files: ["agent", "updater"].map((path) => ({ path, sha256: "0".repeat(64), size: 0 })),
  };
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  // A stand-in agent launcher that records how it was started.
  await Deno.writeTextFile(
    join(dir, "agent"),
    `#!/bin/sh\necho "$@" > "$(dirname "$0")/started"\n`,
  );
  await Deno.chmod(join(dir, "agent"), 0o755);
  return dir;
}

Deno.test({
  name: "startInstalledAgentIfOther starts the installed agent only when its version differs",
  ignore: Deno.build.os === "windows",
  async fn() {
    const same = await installWith("1.0.0");
    const other = await installWith("1.1.0");
    try {
      assert.equal(await startInstalledAgentIfOther(same, "1.0.0"), null);
      assert.equal(await startInstalledAgentIfOther(other, "1.0.0"), "1.1.0");
      const deadline = Date.now() + 10_000;
      let started: string | null = null;
      while (started === null && Date.now() < deadline) {
        started = await Deno.readTextFile(join(other, "started")).catch(() => null);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(started?.trim(), `run --install-dir ${other}`);
      await new Promise((r) => setTimeout(r, 200));
      await assert.rejects(() => Deno.stat(join(same, "started")), "same version: nothing started");
      await Deno.remove(join(other, "manifest.json"));
      assert.equal(await startInstalledAgentIfOther(other, "1.0.0"), null, "no manifest: stay");
    } finally {
      await Deno.remove(same, { recursive: true });
      await Deno.remove(other, { recursive: true });
    }
  },
});
