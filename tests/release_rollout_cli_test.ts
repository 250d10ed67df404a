/**
 * `deno task release --rollout` against a real server process: the package is
 * built and uploaded, and a rollout with the given stages, stage wait and
 * failure limit starts; bad stage lists are refused before anything is built.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Rollout } from "../protocol/mod.ts";
import { describe, runRelease } from "./helpers/release_cli.ts";
import { adminFetch, startServer } from "./helpers/server_process.ts";

Deno.test({
  name: "release --rollout uploads the version and starts its staged rollout",
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const server = await startServer();
    const out = await Deno.makeTempDir({ prefix: "hangar-release-rollout-" });
    try {
      await t.step(
        "bad stage lists and --stable with --rollout: exit 2, nothing built",
        async () => {
          for (
            const extra of [
              ["--rollout", "50%,10%"],
              ["--rollout", "canary,,10%"],
              ["--rollout", "10%", "--stage-wait", "1 hour"],
              ["--rollout", "10%", "--stable"],
              ["--rollout", "10%", "--max-failures", "0"],
            ]
          ) {
            const run = await runRelease(
              ["--version", "1.1.0", "--target", "portable", "--out", out, "--server", server.url]
                .concat(extra),
              { HANGAR_TOKEN: server.adminToken },
            );
            assert.equal(run.code, 2, describe(run));
            assert.match(run.stderr, /release: /);
          }
          assert.deepEqual([...Deno.readDirSync(out)], []);
        },
      );

      await t.step("canary, 25%, 100% with a 30m wait and max 2 failures", async () => {
        const run = await runRelease(
          ["--version", "1.1.0", "--target", "portable", "--out", join(out, "dist")].concat([
            "--server",
            server.url,
            "--rollout",
            "canary,25%,100%",
            "--stage-wait",
            "30m",
            "--max-failures",
            "2",
          ]),
          { HANGAR_TOKEN: server.adminToken },
        );
        assert.equal(run.code, 0, describe(run));
        const line = run.stdout.find((l) =>
          /^release: rollout \S+ of 1\.1\.0 started/.test(l.text)
        );
        assert.ok(line, describe(run));
        const [rollout] = await adminFetch<Rollout[]>(server, "/rollouts");
        assert.equal(rollout.version, "1.1.0");
        assert.equal(rollout.status, "running");
        assert.equal(rollout.max_failures, 2);
        assert.deepEqual(rollout.stages, [
          { groups: ["canary"], wait_s: 1800 },
          { percent: 25, wait_s: 1800 },
          { percent: 100, wait_s: 1800 },
        ]);
        assert.ok(line.text.includes(rollout.id));
      });
    } finally {
      await server.stop();
      await Deno.remove(out, { recursive: true }).catch(() => {});
    }
  },
});
