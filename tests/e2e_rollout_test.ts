/**
 * End to end, real processes only: a server and four real portable agents on
 * 1.0.0, two of them enrolled with `agent enroll --group canary`. A rollout of
 * 1.1.0 whose first stage is the canary group updates the two canaries (their
 * attempts end `succeeded`, reported by the new agents) and no other. Then a
 * broken 1.2.0 (its agent exits at start) is rolled out the same way: both
 * canaries fail and roll back, the rollout halts itself with a reason, and the
 * other two computers are never offered it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Rollout, UpdateAttempt } from "../protocol/mod.ts";
import { buildPackage, refreshManifest, zipPackage } from "../tools/release/build_package.ts";
import { AgentInstall } from "./helpers/install_agent.ts";
import { adminFetch, startServer, uploadPackage, waitFor } from "./helpers/server_process.ts";
import { withLogs } from "./helpers/e2e_setup.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXITS_AT_START = 'console.error("this agent build is broken");\nDeno.exit(3);\n';

Deno.test({
  name: "e2e: a canary rollout updates only the canaries; a broken release halts after them",
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "hangar-e2e-rollout-" });
    const server = await startServer();
    const agents: AgentInstall[] = [];
    try {
      const packages = Object.fromEntries(
        await Promise.all(["1.0.0", "1.1.0", "1.2.0"].map(async (version) =>
          [
            version,
            await buildPackage({
              root: ROOT,
              version,
              target: "portable",
              outDir: join(work, "dist"),
            }),
          ] as const
        )),
      );
      const broken = packages["1.2.0"];
      await Deno.writeTextFile(join(broken.packageDir, "agent.js"), EXITS_AT_START);
      await refreshManifest(broken.packageDir);
      await zipPackage(broken.packageDir, broken.zipPath);
      for (const group of ["canary", "canary", undefined, undefined]) {
        const agent = await AgentInstall.create(packages["1.0.0"].zipPath, server, {
          ...(group ? { group } : {}),
          config: { failed_version_retry_s: 3600 },
        });
        agents.push(agent);
        agent.start();
      }
      for (const agent of agents) {
        await withLogs(agent, waitFor("1.0.0 health", () => agent.healthyAt("1.0.0"), 60_000));
      }
      const [canaries, others] = [agents.slice(0, 2), agents.slice(2)];
      const attempts = (agent: AgentInstall) =>
        adminFetch<UpdateAttempt[]>(server, `/computers/${agent.computerId}/updates`);
      const start = async (version: string, maxFailures: number) => {
        const record = await uploadPackage(server, packages[version].zipPath, version);
        return await adminFetch<Rollout>(server, "/rollouts", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            version_id: record.id,
            stages: [{ groups: ["canary"], wait_s: 3600 }, { percent: 100, wait_s: 3600 }],
            max_failures: maxFailures,
          }),
        });
      };

      await t.step("a canary stage of 1.1.0 updates the two canaries, not the others", async () => {
        const rollout = await start("1.1.0", 3);
        assert.equal(rollout.counts.cohort, 2);
        for (const agent of canaries) {
          await withLogs(agent, waitFor("1.1.0 health", () => agent.healthyAt("1.1.0"), 120_000));
          const settled = await waitFor("a succeeded attempt", async () => {
            const list = await attempts(agent);
            return list[0]?.state === "succeeded" ? list[0] : undefined;
          }, 60_000);
          assert.equal(settled.from_version, "1.0.0");
          assert.equal(settled.to_version, "1.1.0");
          assert.equal(settled.rollout_id, rollout.id);
        }
        const detail = await adminFetch<Rollout>(server, `/rollouts/${rollout.id}`);
        assert.equal(detail.counts.updated, 2);
        for (const agent of others) {
          assert.ok(await agent.healthyAt("1.0.0"));
          assert.deepEqual(await attempts(agent), []);
        }
        await adminFetch(server, `/rollouts/${rollout.id}/cancel`, { method: "POST" });
      });

      await t.step(
        "a broken 1.2.0 halts after the canaries fail; the others never get it",
        async () => {
          const rollout = await start("1.2.0", 2);
          const halted = await waitFor("the halt", async () => {
            const detail = await adminFetch<Rollout>(server, `/rollouts/${rollout.id}`);
            return detail.status === "halted" ? detail : undefined;
          }, 180_000).catch(async (error) => {
            throw new Error(`${error.message}\n${await canaries[0].logs()}`);
          });
          assert.match(halted.halt_reason ?? "", /2 update attempts to 1\.2\.0 failed/);
          assert.match(halted.halt_reason ?? "", /UpdateLaunchFailed/);
          for (const agent of canaries) {
            await withLogs(agent, waitFor("1.1.0 again", () => agent.healthyAt("1.1.0"), 60_000));
            const failed = (await attempts(agent)).find((a) => a.to_version === "1.2.0");
            assert.equal(failed?.state, "failed");
            assert.equal(failed?.error_type, "UpdateLaunchFailed");
          }
          // The others check once more (an agent checks when its socket reconnects, here after a
          // server restart): the halted rollout offers them nothing.
          const noUpdates = async (agent: AgentInstall) =>
            (await agent.agentLog()).split("No update available").length - 1;
          const before = await Promise.all(others.map(noUpdates));
          await server.restart();
          for (const [i, agent] of others.entries()) {
            await withLogs(
              agent,
              waitFor("a check after the restart", async () => {
                return await noUpdates(agent) > before[i] ? true : undefined;
              }, 120_000),
            );
          }
          for (const agent of others) {
            assert.ok(await agent.healthyAt("1.0.0"));
            assert.deepEqual(await attempts(agent), []);
          }
        },
      );
    } finally {
      for (const agent of agents) await agent.cleanup();
      await server.stop();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
