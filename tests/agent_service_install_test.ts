/**
 * `agent install` / `status` / `uninstall` against a real server process,
 * with the service manager's commands recorded instead of run (no real
 * systemd service or scheduled task is created on this machine): the package
 * is copied into a folder whose name has a space, enrolled (config 0600), the
 * systemd unit or the Task Scheduler XML is written with the exact content,
 * and the exact command lists go to systemctl / schtasks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  defaultDataDir,
  defaultServiceDir,
  installService,
  type ServiceDeps,
  serviceStatus,
  uninstallService,
} from "../agent/service/install.ts";
import { lockDownCommand, type WindowsCommand } from "../agent/service/windows.ts";
import { DATA_DIR_POINTER } from "../package/layout.ts";
import { buildPackage } from "../tools/release/build_package.ts";
import { extractZip } from "../tools/release/zip.ts";
import { listComputers, startServer } from "./helpers/server_process.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

function recorder(platform: "linux" | "windows", unitDir: string) {
  const ran: WindowsCommand[] = [];
  const lines: string[] = [];
  const deps: ServiceDeps = {
    platform,
    unitDir,
    log: (l) => lines.push(l),
    run: (command) => {
      ran.push(command);
      const output = command.args[0] === "is-active"
        ? "active\n"
        : command.args[0] === "is-enabled"
        ? "enabled\n"
        : "";
      return Promise.resolve({ code: 0, output });
    },
  };
  return { ran, lines, deps };
}

Deno.test({
  name:
    "agent install registers a service with exact definitions, status reports it, uninstall removes it",
  ignore: Deno.build.os !== "linux",
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "hangar-service-" });
    const server = await startServer();
    try {
      const built = await buildPackage({
        root: ROOT,
        version: "1.4.0",
        target: "portable",
        outDir: join(work, "dist"),
      });
      const source = join(work, "downloaded");
      await extractZip(built.zipPath, source);

      await t.step("Linux: systemd unit, daemon-reload, enable --now", async () => {
        const installDir = join(work, "hangar agent");
        const { ran, lines, deps } = recorder("linux", work);
        const code = await installService({
          sourceDir: source,
          installDir,
          dataDir: installDir,
          server: server.url,
          token: server.enrollmentToken,
          group: "pilot",
        }, deps);
        assert.equal(code, 0, lines.join("\n"));
        assert.deepEqual(lines.filter((l) => l.startsWith("Step")).map((l) => l.slice(0, 8)), [
          "Step 1/4",
          "Step 2/4",
          "Step 3/4",
          "Step 4/4",
        ]);
        for (const file of built.manifest.files) {
          assert.ok((await Deno.stat(join(installDir, file.path))).isFile, file.path);
        }
        const config = JSON.parse(
          await Deno.readTextFile(join(installDir, "config", "config.json")),
        );
        assert.equal(
          (await Deno.stat(join(installDir, "config", "config.json"))).mode! & 0o777,
          0o600,
        );
        const enrolled = (await listComputers(server)).find((c) => c.agent_id === config.agent_id);
        assert.equal(enrolled?.group, "pilot", "enrolled in the group given to install");
        const unit = await Deno.readTextFile(join(work, "hangar-agent.service"));
        assert.ok(
          unit.includes(`ExecStart="${installDir}/agent" run --install-dir "${installDir}"\n`),
          unit,
        );
        assert.ok(unit.includes("Restart=always\n"));
        assert.ok(unit.includes("Environment=HANGAR_SUPERVISOR=systemd\n"));
        assert.ok(unit.includes(`Environment=HANGAR_DENO=${Deno.execPath()}\n`));
        assert.deepEqual(ran, [
          { program: "systemctl", args: ["daemon-reload"] },
          { program: "systemctl", args: ["enable", "--now", "hangar-agent.service"] },
        ]);

        const status = await serviceStatus(installDir, deps);
        assert.ok(status.includes("installed:   version 1.4.0 (portable)"), status.join("\n"));
        assert.ok(status.includes(`server:      ${server.url}`), status.join("\n"));
        assert.ok(status.includes("service:     hangar-agent.service active, enabled"));
        assert.ok(status.includes("running:     no"));

        ran.length = 0;
        assert.equal(await uninstallService(installDir, deps), 0);
        assert.deepEqual(ran, [
          { program: "systemctl", args: ["disable", "--now", "hangar-agent.service"] },
          { program: "systemctl", args: ["daemon-reload"] },
        ]);
        assert.equal(await Deno.stat(installDir).then(() => true, () => false), false);
        assert.equal(
          await Deno.stat(join(work, "hangar-agent.service")).then(() => true, () => false),
          false,
        );
      });

      await t.step("Windows: the task XML in UTF-16, schtasks /Create then /Run", async () => {
        const installDir = join(work, "Program Files", "Hangar Agent");
        const { ran, deps } = recorder("windows", work);
        const code = await installService({
          sourceDir: source,
          installDir,
          dataDir: installDir,
          server: server.url,
          token: server.enrollmentToken,
        }, deps);
        assert.equal(code, 0);
        const xmlPath = join(installDir, "hangar-agent-task.xml");
        const bytes = await Deno.readFile(xmlPath);
        assert.deepEqual([...bytes.slice(0, 2)], [0xff, 0xfe], "UTF-16LE byte order mark");
        const xml = new TextDecoder("utf-16le").decode(bytes.slice(2));
        assert.ok(xml.includes("<UserId>S-1-5-18</UserId>"));
        assert.ok(
          xml.includes(`<Arguments>supervise --install-dir &quot;${installDir}&quot;</Arguments>`),
          xml,
        );
        assert.deepEqual(ran, [
          { program: "schtasks", args: ["/Create", "/TN", "Hangar Agent", "/XML", xmlPath, "/F"] },
          { program: "schtasks", args: ["/Run", "/TN", "Hangar Agent"] },
        ]);
        ran.length = 0;
        assert.equal(await uninstallService(installDir, deps), 0);
        assert.deepEqual(ran, [
          { program: "schtasks", args: ["/End", "/TN", "Hangar Agent"] },
          { program: "schtasks", args: ["/Delete", "/TN", "Hangar Agent", "/F"] },
        ]);
      });

      await t.step(
        "Windows with a data folder: locked down with icacls, config there, kept by uninstall",
        async () => {
          const installDir = join(work, "PF", "Hangar Agent");
          const dataDir = join(work, "ProgramData", "Hangar");
          const { ran, lines, deps } = recorder("windows", work);
          const code = await installService({
            sourceDir: source,
            installDir,
            dataDir,
            server: server.url,
            token: server.enrollmentToken,
          }, deps);
          assert.equal(code, 0, lines.join("\n"));
          const xmlPath = join(installDir, "hangar-agent-task.xml");
          assert.deepEqual(ran, [
            lockDownCommand(dataDir, true),
            {
              program: "schtasks",
              args: ["/Create", "/TN", "Hangar Agent", "/XML", xmlPath, "/F"],
            },
            { program: "schtasks", args: ["/Run", "/TN", "Hangar Agent"] },
          ]);
          assert.ok(await exists(join(dataDir, "config", "config.json")));
          assert.equal(await exists(join(installDir, "config")), false);
          const status = await serviceStatus(installDir, deps);
          assert.ok(status.includes(`data dir:    ${dataDir}`), status.join("\n"));
          lines.length = 0;
          assert.equal(await uninstallService(installDir, deps), 0);
          assert.equal(await exists(installDir), false);
          assert.ok(await exists(join(dataDir, "config", "config.json")), "data kept");
          assert.ok(lines.some((l) => l.includes("agent uninstall --purge removes it")));
          // The pointer went with the first uninstall: --purge is told the folder.
          assert.equal(await uninstallService(installDir, deps, { purge: true, dataDir }), 0);
          assert.equal(await exists(dataDir), false);
        },
      );

      await t.step(
        "an install folder that already holds an agent's data keeps it there",
        async () => {
          const installDir = join(work, "old install");
          const { lines, deps } = recorder("linux", work);
          const options = {
            sourceDir: source,
            installDir,
            dataDir: installDir,
            server: server.url,
            token: server.enrollmentToken,
          };
          assert.equal(await installService(options, deps), 0);
          const id = JSON.parse(
            await Deno.readTextFile(join(installDir, "config", "config.json")),
          ).agent_id;
          const dataDir = join(work, "var", "hangar-agent");
          assert.equal(await installService({ ...options, dataDir }, deps), 0);
          assert.ok(
            lines.some((l) => l.includes("installed before the data folder existed")),
            lines.join("\n"),
          );
          assert.equal(await exists(dataDir), false);
          assert.equal(await exists(join(installDir, DATA_DIR_POINTER)), false);
          assert.equal(
            JSON.parse(await Deno.readTextFile(join(installDir, "config", "config.json"))).agent_id,
            id,
            "the same computer",
          );
        },
      );

      await t.step("installed again with another --data-dir: the data stays", async () => {
        const installDir = join(work, "twice");
        const first = join(work, "data one");
        const { lines, deps } = recorder("linux", work);
        const options = {
          sourceDir: source,
          installDir,
          dataDir: first,
          server: server.url,
          token: server.enrollmentToken,
        };
        assert.equal(await installService(options, deps), 0);
        const second = join(work, "data two");
        assert.equal(await installService({ ...options, dataDir: second }, deps), 0);
        assert.ok(
          lines.some((l) => l.includes(`data is in ${first} (data_dir.json)`)),
          lines.join("\n"),
        );
        assert.ok(lines.some((l) => l.startsWith("Already enrolled")), lines.join("\n"));
        assert.equal(await exists(second), false);
      });

      await t.step("the default folders", () => {
        assert.equal(defaultDataDir("linux"), "/var/lib/hangar-agent");
        assert.equal(defaultServiceDir("linux"), "/opt/hangar-agent");
        assert.match(defaultDataDir("windows"), /[\\/]Hangar$/);
        assert.match(defaultDataDir("windows"), /ProgramData/i);
      });

      await t.step(
        "Windows, compiled: the task runs a copy of the agent that updates never touch",
        async () => {
          // /bin/true stands in for denort: the executables do not run, only their files matter here.
          const denort = join(work, "denort");
          await Deno.copyFile("/bin/true", denort);
          const compiled = await buildPackage({
            root: ROOT,
            version: "1.4.1",
            target: "linux-x64",
            outDir: join(work, "dist"),
            env: { DENORT_BIN: denort },
          });
          const unpacked = join(work, "compiled");
          await extractZip(compiled.zipPath, unpacked);
          const installDir = join(work, "Compiled Agent");
          const { deps } = recorder("windows", work);
          assert.equal(
            await installService({
              sourceDir: unpacked,
              installDir,
              dataDir: installDir,
              server: server.url,
              token: server.enrollmentToken,
            }, deps),
            0,
          );
          const copy = join(installDir, "supervisor", "hangar-supervisor");
          assert.deepEqual(
            await Deno.readFile(copy),
            await Deno.readFile(join(installDir, "agent")),
          );
          const bytes = await Deno.readFile(join(installDir, "hangar-agent-task.xml"));
          const xml = new TextDecoder("utf-16le").decode(bytes.slice(2));
          assert.ok(xml.includes(`<Command>${copy}</Command>`), xml);
        },
      );
    } finally {
      await server.stop();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
