/**
 * The agent's command line:
 *   agent run [--install-dir D]                          run the agent (the updater starts it so)
 *   agent enroll --server URL --token T [--group NAME] [--install-dir D] [--force]
 *                                                        register, write the config
 *   agent supervise [--install-dir D]                    run the agent, restart it when it exits
 *   agent install|uninstall|status ...                   the agent as a service (service_cli.ts)
 *   agent --version                                      print the version
 * The install dir defaults to the folder of the executable (of `agent.js` for
 * a portable package). Exit codes: 0 ok, 1 failure, 2 usage, 3 another agent runs.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { VERSION } from "./version.ts";
import { DataDirError } from "../package/data_dir.ts";
import { runAgent } from "./run.ts";
import { enroll } from "./enroll.ts";
import { runSupervise } from "./supervisor/run_supervise.ts";
import { SERVICE_COMMANDS, serviceMain } from "./service/service_cli.ts";

const USAGE = `Usage:
  agent run [--install-dir DIR]
  agent enroll --server URL --token TOKEN [--group NAME] [--install-dir DIR] [--force]
  agent supervise [--install-dir DIR]
  agent install --server URL --token TOKEN [--group G] [--dir DIR] [--data-dir DIR]
  agent uninstall [--dir DIR] [--purge [--data-dir DIR]] | agent status [--dir DIR]
  agent --version`;

function defaultInstallDir(): string {
  if (Deno.build.standalone) return dirname(Deno.execPath());
  return dirname(fileURLToPath(Deno.mainModule));
}

/** The exit code, or null while `run` goes on (it exits through its own shutdown). */
async function main(argv: string[]): Promise<number | null> {
  if (SERVICE_COMMANDS.has(argv[0])) return await serviceMain(argv, defaultInstallDir());
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "install-dir": { type: "string" },
        server: { type: "string" },
        token: { type: "string" },
        group: { type: "string" },
        force: { type: "boolean" },
        version: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    console.log(VERSION);
    return 0;
  }
  const installDir = resolve(values["install-dir"] ?? defaultInstallDir());
  const command = positionals[0];
  if (values.help || positionals.length !== 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === "run") return await runAgent(installDir);
  if (command === "supervise") return await runSupervise(installDir);
  if (command === "enroll") {
    if (!values.server || !values.token) {
      console.error(`enroll needs --server and --token\n${USAGE}`);
      return 2;
    }
    return await enroll(
      installDir,
      values.server,
      values.token,
      values.force ?? false,
      values.group,
    );
  }
  console.error(`Unknown command "${command}"\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  const code = await main(Deno.args).catch((error) => {
    // An unreadable data_dir.json (package/data_dir.ts) names the file and the fix.
    if (!(error instanceof DataDirError)) throw error;
    console.error(error.message);
    return 1;
  });
  if (code !== null) Deno.exit(code);
}
