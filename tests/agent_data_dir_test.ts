/**
 * An installed agent keeps its data outside the program, on Linux with real
 * processes: `agent install` (its systemd commands recorded, not run) into an
 * install folder and a separate data folder, then the agent under a real
 * supervisor (`agent supervise`, the process the Windows task runs) against a
 * real server. Config, logs, lock, health and buffers land in the data
 * folder, the install folder holds the program only; an update to 1.1.0 swaps
 * the program and keeps the data (same identity, one log across versions),
 * and so does the rollback of a release whose agent exits at start;
 * uninstall removes the program and keeps the data unless --purge.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { installService, type ServiceDeps, uninstallService } from "../agent/service/install.ts";
import { DATA_DIR_POINTER, DATA_NAMES } from "../package/layout.ts";
import {
  buildPackage,
  type BuiltPackage,
  refreshManifest,
  zipPackage,
} from "../tools/release/build_package.ts";
import { extractZip } from "../tools/release/zip.ts";
import { waitForComputer, waitForSteady } from "./helpers/e2e_setup.ts";
import { isAlive } from "../tools/process.ts";
import {
  getComputerErrors,
  listComputers,
  markStable,
  startServer,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/** PIDs of live processes whose command line names `dir`. */
function processesOf(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes(dir) && isAlive(pid)) {
        pids.push(pid);
      }
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

Deno.test({
  name: "installed agent: data in the data folder, kept by an update and by uninstall",
  ignore: Deno.build.os !== "linux",
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "hangar-datadir-" });
    const installDir = join(work, "opt", "hangar agent");
    const dataDir = join(work, "var lib", "hangar-agent");
    const packages: Record<string, BuiltPackage> = {};
    for (const version of ["1.0.0", "1.1.0", "1.2.0"]) {
      packages[version] = await buildPackage({
        root: ROOT,
        version,
        target: "portable",
        outDir: join(work, "dist"),
      });
    }
    // 1.2.0's agent exits at start: the updater rolls back to 1.1.0.
    const broken = packages["1.2.0"];
    await Deno.writeTextFile(
      join(broken.packageDir, "agent.js"),
      'console.error("this agent build is broken");\nDeno.exit(3);\n',
    );
    await refreshManifest(broken.packageDir);
    await zipPackage(broken.packageDir, broken.zipPath);
    const source = join(work, "downloaded");
    await extractZip(packages["1.0.0"].zipPath, source);
    const server = await startServer();
    const lines: string[] = [];
    const deps: ServiceDeps = {
      platform: "linux",
      unitDir: work,
      log: (l) => lines.push(l),
      run: () => Promise.resolve({ code: 0, output: "" }),
    };
    let supervisor: Deno.ChildProcess | null = null;
    const data = (name: string) => join(dataDir, name);
    const readHealth = () =>
      Deno.readTextFile(data("agent_health.json")).then(
        (t) => JSON.parse(t) as { version: string; pid: number },
        () => null,
      );
    const logs = async () => {
      let out = "";
      for (const name of ["agent.log", "updater.log", "supervisor.log"]) {
        out += `--- ${name}\n${await Deno.readTextFile(data(`logs/${name}`)).catch(() =>
          "(none)"
        )}\n`;
      }
      return out;
    };
    const runningAt = (version: string) =>
      waitForSteady(
        `one ${version} agent`,
        async () => {
          const health = await readHealth();
          if (health?.version !== version || !isAlive(health.pid)) return undefined;
          if (await exists(join(installDir, "_update_journal.json"))) return undefined;
          return health;
        },
        1_000,
        90_000,
      ).catch(async (e) => {
        throw new Error(`${(e as Error).message}\n${lines.join("\n")}\n${await logs()}`);
      });
    /** The install folder holds none of the data names. */
    const programOnly = async () => {
      for (const name of DATA_NAMES) {
        assert.equal(await exists(join(installDir, name)), false, `${name} in the install folder`);
      }
    };
    try {
      let agentId = "";
      await t.step(
        "install: program in the install folder, config in the data folder",
        async () => {
          const code = await installService({
            sourceDir: source,
            installDir,
            dataDir,
            server: server.url,
            token: server.enrollmentToken,
          }, deps);
          assert.equal(code, 0, lines.join("\n"));
          assert.deepEqual(
            JSON.parse(await Deno.readTextFile(join(installDir, DATA_DIR_POINTER))),
            { data_dir: dataDir },
          );
          const config = JSON.parse(await Deno.readTextFile(data("config/config.json")));
          agentId = config.agent_id;
          assert.equal((await Deno.stat(data("config/config.json"))).mode! & 0o777, 0o600);
          assert.equal((await Deno.stat(dataDir)).mode! & 0o777, 0o700);
          assert.ok(await exists(join(installDir, "manifest.json")));
          await programOnly();
        },
      );

      await t.step("the supervised agent writes its logs, lock and health there", async () => {
        // What the Windows task runs; systemd would run `agent run` with the same install folder.
        supervisor = new Deno.Command(join(installDir, "agent"), {
          args: ["supervise", "--install-dir", installDir],
          env: { HANGAR_DENO: Deno.execPath(), NO_COLOR: "1" },
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        await runningAt("1.0.0");
        for (const name of ["agent.lock", "logs/agent.log", "logs/supervisor.log"]) {
          assert.ok(await exists(data(name)), name);
        }
        await programOnly();
        const computer = (await listComputers(server)).find((c) => c.agent_id === agentId);
        assert.ok(computer);
        await waitForComputer(server, computer.id, "online", (c) => c.online);
      });

      await t.step("an update swaps the program and keeps the data", async () => {
        const record = await uploadPackage(server, packages["1.1.0"].zipPath, "1.1.0");
        await markStable(server, record.id);
        await runningAt("1.1.0");
        const manifest = JSON.parse(await Deno.readTextFile(join(installDir, "manifest.json")));
        assert.equal(manifest.version, "1.1.0");
        const config = JSON.parse(await Deno.readTextFile(data("config/config.json")));
        assert.equal(config.agent_id, agentId, "same identity after the update");
        assert.equal(config.current_version, "1.1.0");
        const updaterLog = await Deno.readTextFile(data("logs/updater.log"));
        assert.match(updaterLog, /Update 1\.0\.0 -> 1\.1\.0 complete/);
        const agentLog = await Deno.readTextFile(data("logs/agent.log"));
        assert.match(agentLog, /Updating configured version from 1\.0\.0 to 1\.1\.0/);
        assert.equal(await exists(data("update_result.json")), false, "no failed update");
        assert.ok(await exists(join(installDir, DATA_DIR_POINTER)), "the pointer survives");
        await programOnly();
        const computer = (await listComputers(server)).find((c) => c.agent_id === agentId)!;
        await waitForComputer(server, computer.id, "on 1.1.0", (c) => c.agent_version === "1.1.0");
      });

      await t.step("a rollback restores the program and keeps the data", async () => {
        const computer = (await listComputers(server)).find((c) => c.agent_id === agentId)!;
        const record = await uploadPackage(server, broken.zipPath, "1.2.0", "broken on purpose");
        await markStable(server, record.id);
        await waitFor("the rollback reported", async () => {
          const errors = await getComputerErrors(server, computer.id);
          return errors.find((e) => e.error_type === "UpdateLaunchFailed");
        }, 120_000).catch(async (e) => {
          throw new Error(`${(e as Error).message}\n${await logs()}`);
        });
        await runningAt("1.1.0");
        const manifest = JSON.parse(await Deno.readTextFile(join(installDir, "manifest.json")));
        assert.equal(manifest.version, "1.1.0");
        const config = JSON.parse(await Deno.readTextFile(data("config/config.json")));
        assert.equal(config.agent_id, agentId, "same identity after the rollback");
        assert.match(
          await Deno.readTextFile(data("logs/updater.log")),
          /Rollback 6\/6: done — the install is back at version 1\.1\.0/,
        );
        // The updater's result went to the data folder, and the next agent reported and removed it.
        assert.equal(await exists(data("update_result.json")), false);
        assert.equal(await exists(data("config/supervisor_hold")), false, "no hold left behind");
        assert.ok(await exists(join(installDir, DATA_DIR_POINTER)), "the pointer survives");
        await programOnly();
      });

      await t.step(
        "uninstall removes the program and keeps the data; --purge removes it",
        async () => {
          supervisor!.kill("SIGTERM");
          await supervisor!.status;
          supervisor = null;
          lines.length = 0;
          assert.equal(await uninstallService(installDir, deps), 0);
          assert.equal(await exists(installDir), false);
          assert.ok(await exists(data("config/config.json")));
          assert.ok(
            lines.some((l) => l.startsWith(`Kept the data folder ${dataDir}`)),
            lines.join("\n"),
          );

          // Installed again: the same computer, its data where it was.
          assert.equal(
            await installService({
              sourceDir: source,
              installDir,
              dataDir,
              server: server.url,
              token: server.enrollmentToken,
            }, deps),
            0,
          );
          assert.ok(lines.some((l) => l.startsWith("Already enrolled")), lines.join("\n"));
          assert.equal(
            JSON.parse(await Deno.readTextFile(data("config/config.json"))).agent_id,
            agentId,
          );
          assert.equal(await uninstallService(installDir, deps, { purge: true }), 0);
          assert.equal(await exists(installDir), false);
          assert.equal(await exists(dataDir), false);
        },
      );
    } finally {
      if (supervisor) {
        (supervisor as Deno.ChildProcess).kill("SIGTERM");
        await (supervisor as Deno.ChildProcess).status;
      }
      for (const dir of [installDir, dataDir]) {
        for (const pid of processesOf(dir)) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch {
            // gone
          }
        }
      }
      await server.stop();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
