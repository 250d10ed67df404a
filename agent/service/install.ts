/**
 * `agent install`, `agent uninstall`, `agent status`: the agent as a service.
 * Install, as a short orchestrator of numbered steps:
 *   1 copy the running package into the install folder, point it at the data
 *     folder (package/data_dir.ts) and lock that folder down
 *   2 enroll (config written 0600 / locked down with icacls, in the data folder)
 *   3 register to start at boot and restart after a crash
 *   4 start it
 * Linux registers a systemd unit; Windows a Task Scheduler task that runs
 * `agent supervise` as SYSTEM (docs/agent.md says why). Every command goes
 * through `deps.run`, so tests check the exact lists without touching the
 * machine's services.
 */
import { dirname, extname, join } from "node:path";
import {
  CONFIG_DIR,
  DATA_DIR_POINTER,
  dataDirOf,
  dataDirPointer,
  HEALTH_NAME,
  launcherPath,
  MANIFEST_NAME,
  PORTABLE_PLATFORM,
  readInstalledManifest,
  SIGNATURE_NAME,
} from "../../package/mod.ts";
import { ConfigFile } from "../config.ts";
import { enroll } from "../enroll.ts";
import { isPidAlive } from "../../host/process.ts";
import { readSuperviseState } from "../../host/supervisor.ts";
import { protectDataDir } from "./config_permissions.ts";
import { UNIT_DIR, UNIT_NAME, unitFile } from "./systemd_unit.ts";
import {
  createTaskCommand,
  deleteTaskCommand,
  endTaskCommand,
  queryTaskCommand,
  runTaskCommand,
  taskXml,
  type WindowsCommand,
} from "./windows.ts";

export type ServicePlatform = "linux" | "windows";

export interface ServiceDeps {
  platform: ServicePlatform;
  /** Runs one command; returns its exit code and output. */
  run: (command: WindowsCommand) => Promise<{ code: number; output: string }>;
  /** Where the systemd unit goes (default /etc/systemd/system). */
  unitDir?: string;
  log: (line: string) => void;
}

/** Where an install goes by default: `%ProgramFiles%\Hangar Agent`, `/opt/hangar-agent`. */
export function defaultServiceDir(platform: ServicePlatform): string {
  if (platform === "windows") {
    return join(Deno.env.get("ProgramFiles") ?? "C:\\Program Files", "Hangar Agent");
  }
  return "/opt/hangar-agent";
}

/** Where an install's data goes by default: `%ProgramData%\Hangar`, `/var/lib/hangar-agent`. */
export function defaultDataDir(platform: ServicePlatform): string {
  if (platform === "windows") {
    return join(Deno.env.get("ProgramData") ?? "C:\\ProgramData", "Hangar");
  }
  return "/var/lib/hangar-agent";
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/**
 * The data folder this install uses: `wanted`, unless an install is already
 * there with its data elsewhere (its data_dir.json) or in the install folder
 * itself (installed before the data folder existed): existing data stays
 * where it is, so the computer keeps its identity and its unsent reports.
 */
async function chooseDataDir(installDir: string, wanted: string, deps: ServiceDeps) {
  const keep = (current: string, why: string) => {
    deps.log(
      `This install's data is in ${current} (${why}); keeping it there, not in ${wanted}. ` +
        `To move it: agent uninstall --purge, then install again (a new enrollment).`,
    );
    return current;
  };
  if (await exists(join(installDir, DATA_DIR_POINTER))) {
    const current = dataDirOf(installDir);
    return current === wanted ? wanted : keep(current, DATA_DIR_POINTER);
  }
  if (wanted !== installDir && await exists(join(installDir, CONFIG_DIR, "config.json"))) {
    return keep(installDir, "installed before the data folder existed");
  }
  return wanted;
}

/** The files of the package installed in `dir`: its manifest, signature and listed files. */
async function packageFiles(
  dir: string,
): Promise<{ files: string[]; agent: string; portable: boolean }> {
  const manifest = await readInstalledManifest(dir);
  if (!manifest) throw new Error(`No readable ${MANIFEST_NAME} beside the running agent in ${dir}`);
  const files = [MANIFEST_NAME, ...manifest.files.map((f) => f.path)];
  if (await Deno.stat(join(dir, SIGNATURE_NAME)).then(() => true, () => false)) {
    files.push(SIGNATURE_NAME);
  }
  return {
    files,
    agent: launcherPath(manifest, manifest.agent),
    portable: manifest.platform === PORTABLE_PLATFORM,
  };
}

async function must(deps: ServiceDeps, command: WindowsCommand): Promise<string> {
  const { code, output } = await deps.run(command);
  if (code !== 0) {
    throw new Error(
      `${command.program} ${command.args.join(" ")} failed (exit ${code}): ${output.trim()}`,
    );
  }
  return output;
}

export interface InstallOptions {
  /** The folder of the running package, copied from. */
  sourceDir: string;
  installDir: string;
  /** Where config, logs and buffers go; the install folder itself for a one-folder layout. */
  dataDir: string;
  server: string;
  token: string;
  group?: string;
}

export async function installService(options: InstallOptions, deps: ServiceDeps): Promise<number> {
  const { installDir } = options;
  const step = (n: number, text: string) => deps.log(`Step ${n}/4 ${text}`);
  step(1, `copy ${options.sourceDir} -> ${installDir}`);
  const pkg = await packageFiles(options.sourceDir);
  if (options.sourceDir !== installDir) {
    for (const file of pkg.files) {
      const to = join(installDir, ...file.split("/"));
      await Deno.mkdir(join(to, ".."), { recursive: true });
      await Deno.copyFile(join(options.sourceDir, ...file.split("/")), to);
    }
    if (deps.platform !== "windows") await Deno.chmod(join(installDir, pkg.agent), 0o755);
  }
  const dataDir = await chooseDataDir(installDir, options.dataDir, deps);
  if (dataDir !== installDir) {
    deps.log(`data folder ${dataDir}`);
    await Deno.mkdir(dataDir, { recursive: true });
    await protectDataDir(dataDir, deps.platform, deps.run);
    await Deno.writeTextFile(join(installDir, DATA_DIR_POINTER), dataDirPointer(dataDir));
  }
  step(2, `enroll with ${options.server}`);
  const already = await ConfigFile.load(installDir).then(() => true, () => false);
  if (already) {
    deps.log(`Already enrolled (${join(dataDir, CONFIG_DIR, "config.json")}); keeping it`);
  } else {
    const code = await enroll(installDir, options.server, options.token, false, options.group);
    if (code !== 0) return code;
  }
  const agent = join(installDir, ...pkg.agent.split("/"));
  if (deps.platform === "linux") {
    const unitPath = join(deps.unitDir ?? UNIT_DIR, UNIT_NAME);
    step(3, `systemd unit ${unitPath} (Restart=always)`);
    // A portable package runs on the Deno that ran this install; systemd's PATH may not have one.
    const env = pkg.portable ? { HANGAR_DENO: Deno.execPath() } : undefined;
    await Deno.writeTextFile(unitPath, unitFile({ installDir, agent, env }));
    await must(deps, { program: "systemctl", args: ["daemon-reload"] });
    step(4, `systemctl enable --now ${UNIT_NAME}`);
    await must(deps, { program: "systemctl", args: ["enable", "--now", UNIT_NAME] });
  } else {
    const xmlPath = join(installDir, "hangar-agent-task.xml");
    step(3, `scheduled task "Hangar Agent" from ${xmlPath} (SYSTEM, at boot)`);
    const supervisor = await supervisorExecutable(installDir, agent, pkg.portable);
    const xml = taskXml({
      command: supervisor,
      args: ["supervise", "--install-dir", installDir],
      workingDir: installDir,
    });
    // Task Scheduler reads the XML as UTF-16 (its declaration says so): little-endian with a BOM.
    const utf16 = new Uint8Array(2 + xml.length * 2);
    const view = new DataView(utf16.buffer);
    view.setUint16(0, 0xfeff, true);
    for (let i = 0; i < xml.length; i++) view.setUint16(2 + i * 2, xml.charCodeAt(i), true);
    await Deno.writeFile(xmlPath, utf16);
    await must(deps, createTaskCommand(xmlPath));
    step(4, "schtasks /Run");
    await must(deps, runTaskCommand());
  }
  deps.log(`Installed in ${installDir}, data in ${dataDir}`);
  return 0;
}

/**
 * What the task runs as `agent supervise`. A compiled agent.exe runs from a
 * copy in `supervisor\`, which updates never touch: Windows cannot delete a
 * running executable, so a supervisor running the install folder's agent.exe
 * would pin the update's backup of it until the next reboot. A portable
 * package's launcher only starts Deno, which holds no file open.
 */
async function supervisorExecutable(
  installDir: string,
  agent: string,
  portable: boolean,
): Promise<string> {
  if (portable) return agent;
  const copy = join(installDir, "supervisor", `hangar-supervisor${extname(agent)}`);
  await Deno.mkdir(dirname(copy), { recursive: true });
  await Deno.copyFile(agent, copy);
  return copy;
}

/**
 * Removes the service and the program. The data folder (the config with the
 * computer's identity, logs, unsent reports) is kept unless `purge`, so an
 * install later is the same computer on the server; a one-folder layout's
 * data goes with the install folder.
 */
export async function uninstallService(
  installDir: string,
  deps: ServiceDeps,
  options: { purge?: boolean; dataDir?: string } = {},
): Promise<number> {
  // Read before the install folder (and its data_dir.json) goes; --data-dir names it when the
  // install folder is gone already (a --purge after a plain uninstall).
  const dataDir = options.dataDir ?? (() => {
    try {
      return dataDirOf(installDir);
    } catch (error) {
      deps.log(`${(error as Error).message}; the data folder is left alone`);
      return null;
    }
  })();
  if (deps.platform === "linux") {
    const unitPath = join(deps.unitDir ?? UNIT_DIR, UNIT_NAME);
    deps.log(`Step 1/3 systemctl disable --now ${UNIT_NAME}`);
    await deps.run({ program: "systemctl", args: ["disable", "--now", UNIT_NAME] });
    deps.log(`Step 2/3 remove ${unitPath}`);
    await Deno.remove(unitPath).catch(() => {});
    await deps.run({ program: "systemctl", args: ["daemon-reload"] });
  } else {
    deps.log("Step 1/3 end and delete the scheduled task");
    const state = await readSuperviseState(installDir);
    await deps.run(endTaskCommand());
    await deps.run(deleteTaskCommand());
    // Ending the task ends the supervisor; the agent it started is stopped by its PID.
    if (state?.agent_pid) {
      await deps.run({ program: "taskkill", args: ["/PID", String(state.agent_pid), "/T", "/F"] });
    }
  }
  const removeTree = (dir: string) =>
    Deno.remove(dir, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  deps.log(`Step 3/3 remove ${installDir}`);
  await removeTree(installDir);
  if (dataDir !== null && dataDir !== installDir) {
    if (options.purge) {
      deps.log(`--purge: remove the data folder ${dataDir}`);
      await removeTree(dataDir);
    } else {
      deps.log(
        `Kept the data folder ${dataDir} (config with this computer's identity, logs, unsent ` +
          `reports): an install later is the same computer; agent uninstall --purge removes it`,
      );
    }
  }
  deps.log("Uninstalled (the computer stays listed on the server until an admin deletes it)");
  return 0;
}

/** What `agent status` prints: installed, running, version, server. */
export async function serviceStatus(installDir: string, deps: ServiceDeps): Promise<string[]> {
  const manifest = await readInstalledManifest(installDir);
  const config = await ConfigFile.load(installDir).catch(() => null);
  let dataDir: string;
  try {
    dataDir = dataDirOf(installDir);
  } catch (error) {
    dataDir = `(unreadable: ${(error as Error).message})`;
  }
  const lines = [
    `install dir: ${installDir}`,
    `data dir:    ${dataDir}`,
    `installed:   ${manifest ? `version ${manifest.version} (${manifest.platform})` : "no"}`,
    `server:      ${config ? config.get("server_url") : "(not enrolled)"}`,
    `agent id:    ${config ? config.get("agent_id") : "-"}`,
  ];
  if (deps.platform === "linux") {
    const active =
      (await deps.run({ program: "systemctl", args: ["is-active", UNIT_NAME] })).output;
    const enabled = (await deps.run({ program: "systemctl", args: ["is-enabled", UNIT_NAME] }))
      .output;
    lines.push(
      `service:     ${UNIT_NAME} ${active.trim() || "unknown"}, ${enabled.trim() || "unknown"}`,
    );
  } else {
    const query = await deps.run(queryTaskCommand());
    const status = /^Status:\s*(.+)$/m.exec(query.output)?.[1]?.trim();
    lines.push(
      `service:     scheduled task "Hangar Agent" ${
        query.code === 0 ? status ?? "registered" : "not registered"
      }`,
    );
  }
  const health = await Deno.readTextFile(join(dataDir, HEALTH_NAME)).then(
    (t) => JSON.parse(t) as { version: string; pid: number; server_reached_at?: string },
    () => null,
  );
  const running = health && isPidAlive(health.pid);
  lines.push(
    running
      ? `running:     version ${health.version}, pid ${health.pid}, server ${
        health.server_reached_at ? "reached" : "not reached yet"
      }`
      : "running:     no",
  );
  return lines;
}
