/**
 * The service commands of the agent's command line:
 *   agent install --server URL --token T [--group G] [--dir D] [--data-dir D]
 *   agent uninstall [--dir D] [--purge [--data-dir D]]
 *   agent status [--dir D]
 * They need an administrator (root on Linux; an elevated prompt on Windows).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  defaultDataDir,
  defaultServiceDir,
  installService,
  type ServiceDeps,
  serviceStatus,
  uninstallService,
} from "./install.ts";
import { runCommand } from "../../host/supervisor.ts";

export const SERVICE_COMMANDS = new Set(["install", "uninstall", "status"]);

const USAGE = `Usage:
  agent install --server URL --token TOKEN [--group G] [--dir DIR] [--data-dir DIR]
  agent uninstall [--dir DIR] [--purge [--data-dir DIR]]
  agent status [--dir DIR]`;

/** Runs a service command; `sourceDir` is the folder of the running agent. Returns the exit code. */
export async function serviceMain(argv: string[], sourceDir: string): Promise<number> {
  const platform = Deno.build.os;
  if (platform !== "linux" && platform !== "windows") {
    console.error(`agent ${argv[0]} supports Linux (systemd) and Windows, not ${platform}`);
    return 1;
  }
  let values;
  try {
    values = parseArgs({
      args: argv.slice(1),
      options: {
        server: { type: "string" },
        token: { type: "string" },
        group: { type: "string" },
        dir: { type: "string" },
        "data-dir": { type: "string" },
        purge: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const installDir = resolve(values.dir ?? defaultServiceDir(platform));
  const deps: ServiceDeps = { platform, run: runCommand, log: (l) => console.log(l) };
  const command = argv[0];
  try {
    if (command === "status") {
      for (const line of await serviceStatus(installDir, deps)) console.log(line);
      return 0;
    }
    if (platform === "linux" && Deno.uid() !== 0) {
      console.error(`agent ${command} changes system services: run it as root (sudo)`);
      return 1;
    }
    if (command === "uninstall") {
      return await uninstallService(installDir, deps, {
        purge: values.purge ?? false,
        dataDir: values["data-dir"] === undefined ? undefined : resolve(values["data-dir"]),
      });
    }
    if (!values.server || !values.token) {
      console.error(`install needs --server and --token\n${USAGE}`);
      return 2;
    }
    return await installService({
      sourceDir: resolve(sourceDir),
      installDir,
      dataDir: resolve(values["data-dir"] ?? defaultDataDir(platform)),
      server: values.server,
      token: values.token,
      group: values.group,
    }, deps);
  } catch (error) {
    console.error(`agent ${command} failed: ${(error as Error).message}`);
    return 1;
  }
}
