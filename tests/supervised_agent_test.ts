/**
 * The agent under a real supervisor, on Linux: `agent supervise` (what the
 * Windows scheduled task runs; it restarts the agent whenever it exits, as
 * systemd's Restart=always does) runs a real portable agent against a real
 * server process. Killed with SIGKILL, the agent comes back; an update and a
 * forced rollback (a release whose agent exits at start) each end with exactly
 * one agent on the right version, and no moment of the run sees two.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildPackage,
  type BuiltPackage,
  refreshManifest,
  zipPackage,
} from "../tools/release/build_package.ts";
import { waitForComputer, waitForSteady } from "./helpers/e2e_setup.ts";
import { AgentInstall } from "./helpers/install_agent.ts";
import {
  getComputerErrors,
  markStable,
  startServer,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXITS_AT_START = 'console.error("this agent build is broken");\nDeno.exit(3);\n';

/** The parent PID of `pid` and its number of threads; zeros when it is gone. */
function parentOf(pid: number): { ppid: number; threads: number } {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return {
      ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    };
  } catch {
    return { ppid: 0, threads: 0 };
  }
}

/** What /proc says of `pid`: parent, state, start time (clock ticks since boot), command line. */
function describe(pid: number): string {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
    return `${pid} (parent ${fields[1]}, state ${fields[0]}, started ${fields[19]}): ${cmdline}`;
  } catch {
    return `${pid}: gone`;
  }
}

/**
 * PIDs of live `agent run` processes of this install (the supervisor and updaters excluded).
 * A child the agent is spawning (the updater) is a copy of the agent, with its command line,
 * from its fork until its exec — under load long enough for a sample to see it (a Deno process
 * spawning children showed such a twin in 171 of 928 samples at load 15, each time with the
 * spawner as parent and one thread; docs/agent.md). So a single-threaded process whose parent is
 * one of these agents is that child; an agent that an agent started runs many threads and counts.
 */
function agentRuns(agent: AgentInstall): number[] {
  const runs = agent.processes().filter((pid) => {
    try {
      const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
      // deno run ... <dir>/agent.js run --install-dir <dir> (the supervisor's says "supervise").
      return argv[argv.findIndex((a) => a.endsWith("agent.js")) + 1] === "run";
    } catch {
      return false;
    }
  });
  return runs.filter((pid) => {
    const { ppid, threads } = parentOf(pid);
    return !(runs.includes(ppid) && threads === 1);
  });
}

Deno.test({
  name:
    "supervised agent: restarted after SIGKILL, updated and rolled back with one agent at a time",
  ignore: Deno.build.os !== "linux",
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "hangar-supervised-" });
    const packages: Record<string, BuiltPackage> = {};
    for (const version of ["1.0.0", "1.1.0", "1.2.0"]) {
      packages[version] = await buildPackage({
        root: ROOT,
        version,
        target: "portable",
        outDir: join(work, "dist"),
      });
    }
    const broken = packages["1.2.0"];
    await Deno.writeTextFile(join(broken.packageDir, "agent.js"), EXITS_AT_START);
    await refreshManifest(broken.packageDir);
    await zipPackage(broken.packageDir, broken.zipPath);

    const server = await startServer();
    const agent = await AgentInstall.create(packages["1.0.0"].zipPath, server, {
      config: { retry_max_s: 1, ws_reconnect_max_s: 1 },
    });
    const supervisor = new Deno.Command(agent.launcher, {
      args: ["supervise", "--install-dir", agent.dir],
      env: agent.env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Samples the agents every 50 ms for the whole test: never two at once.
    let most = 0;
    let seen = "";
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const runs = agentRuns(agent);
        if (runs.length > most) {
          most = runs.length;
          seen = runs.map(describe).join("\n");
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const logs = async () =>
      `${await agent.logs()}\n--- supervisor.log\n${await Deno.readTextFile(
        join(agent.dir, "logs", "supervisor.log"),
      ).catch(() => "(none)")}`;
    const settledOn = (version: string) =>
      waitForSteady(
        `one settled ${version} agent`,
        async () => {
          const health = await agent.healthyAt(version);
          if (!health || await agent.exists("_update_journal.json")) return undefined;
          const runs = agentRuns(agent);
          return runs.length === 1 && runs[0] === health.pid ? health.pid : undefined;
        },
        2_000,
        90_000,
      ).catch(async (e) => {
        throw new Error(`${(e as Error).message}\n${await logs()}`);
      });
    try {
      await t.step("the supervisor starts the agent", async () => {
        await settledOn("1.0.0");
        await waitForComputer(server, agent.computerId, "online", (c) => c.online);
      });

      await t.step("killed with SIGKILL, the agent comes back as a new process", async () => {
        const before = (await agent.healthyAt("1.0.0"))!.pid;
        Deno.kill(before, "SIGKILL");
        const after = await settledOn("1.0.0");
        assert.notEqual(after, before);
        // The dead agent's lock was taken over, not obeyed.
        assert.match(await agent.agentLog(), /Took over a stale lock.*process_gone/);
      });

      await t.step("an update ends with one 1.1.0 agent, started by the supervisor", async () => {
        const record = await uploadPackage(server, packages["1.1.0"].zipPath, "1.1.0");
        await markStable(server, record.id);
        await settledOn("1.1.0");
        const updaterLog = await Deno.readTextFile(join(agent.dir, "logs", "updater.log"));
        assert.match(updaterLog, /Step 1\/6 hold.*supervise supervisor/);
        assert.match(updaterLog, /Update 1\.0\.0 -> 1\.1\.0 complete/);
        await waitForComputer(
          server,
          agent.computerId,
          "on 1.1.0",
          (c) => c.agent_version === "1.1.0",
        );
      });

      await t.step(
        "a release whose agent exits at start rolls back to one 1.1.0 agent",
        async () => {
          const record = await uploadPackage(server, broken.zipPath, "1.2.0", "broken on purpose");
          await markStable(server, record.id);
          await waitFor("the rollback", async () => {
            const errors = await getComputerErrors(server, agent.computerId);
            return errors.find((e) => e.error_type === "UpdateLaunchFailed");
          }, 120_000).catch(async (e) => {
            throw new Error(`${(e as Error).message}\n${await logs()}`);
          });
          await settledOn("1.1.0");
          assert.equal(await agent.exists("config/supervisor_hold"), false, "no hold left behind");
        },
      );

      // Two identical `agent run` lines seen under heavy load earlier: an agent and the updater it
      // was spawning, before its exec (agentRuns above leaves that child out), not two agents.
      await t.step("never two agents at once", () => {
        assert.equal(most, 1, `at most ${most} agents ran at once:\n${seen}`);
      });
    } finally {
      sampling = false;
      await sampler;
      supervisor.kill("SIGTERM");
      await supervisor.status;
      await agent.cleanup();
      await server.stop();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
