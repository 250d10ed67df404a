/**
 * The Hangar updater executable. Replaces an installed agent with the one in a
 * package, or rolls back; see docs/updater.md for the CLI, the steps and the
 * exit codes.
 */
import { parseArgs } from "node:util";
import { isAbsolute, resolve } from "node:path";
import { VERSION } from "../agent/version.ts";
import { applyUpdate } from "./apply.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit_codes.ts";
import { describeError } from "./log.ts";
import { runRecoverCommand } from "./recover_command.ts";
import {
  KeyFormatError,
  parseTrustedKeys,
  PUBLIC_KEY_PREFIX,
  type TrustedKey,
} from "../package/mod.ts";

export const USAGE = `Usage:
  updater --package-path <zip> --install-dir <dir> --pid-to-wait <pid> --log-dir <dir>
          [--wait-timeout <seconds, default 60>] [--health-timeout <seconds, default 60>]
          [--trusted-keys <public key>,<public key>...]
  updater --recover --install-dir <dir> [--log-dir <dir>] [--health-timeout <seconds>]
  updater --version`;

const options = {
  "package-path": { type: "string" },
  "install-dir": { type: "string" },
  "pid-to-wait": { type: "string" },
  "log-dir": { type: "string" },
  "wait-timeout": { type: "string", default: "60" },
  "health-timeout": { type: "string", default: "60" },
  "trusted-keys": { type: "string", default: "" },
  recover: { type: "boolean" },
  version: { type: "boolean" },
} as const;

class UsageError extends Error {}

function seconds(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive number of seconds, got "${value}"`);
  }
  return n * 1000;
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`);
  return value;
}

async function existingDir(name: string, path: string): Promise<string> {
  const info = await Deno.stat(path).catch(() => null);
  if (!info?.isDirectory) throw new UsageError(`--${name} "${path}" is not a folder`);
  return resolve(path);
}

function parseKeysOption(list: string): TrustedKey[] {
  try {
    return parseTrustedKeys(list);
  } catch (err) {
    if (!(err instanceof KeyFormatError)) throw err;
    throw new UsageError(`--trusted-keys: "${err.key}" is not a ${PUBLIC_KEY_PREFIX} public key`);
  }
}

/** Runs the updater with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    if (values.version) {
      console.log(VERSION);
      return EXIT_OK;
    }
    const installDir = await existingDir("install-dir", required(values, "install-dir"));
    const healthTimeoutMs = seconds("health-timeout", values["health-timeout"]);
    if (values.recover) {
      const logDir = values["log-dir"] ? resolve(values["log-dir"]) : undefined;
      const { outcome, code } = await runRecoverCommand({ installDir, logDir, healthTimeoutMs });
      console.log(outcome);
      return code;
    }
    const packagePath = resolve(required(values, "package-path"));
    if (!(await Deno.stat(packagePath).catch(() => null))?.isFile) {
      throw new UsageError(`--package-path "${packagePath}" is not a file`);
    }
    const pidText = required(values, "pid-to-wait");
    const pidToWait = Number(pidText);
    if (!/^\d+$/.test(pidText) || !Number.isSafeInteger(pidToWait) || pidToWait <= 0) {
      throw new UsageError(`--pid-to-wait must be a process id, got "${pidText}"`);
    }
    const logDir = required(values, "log-dir");
    const trustedKeys = parseKeysOption(values["trusted-keys"]);
    return await applyUpdate({
      packagePath,
      installDir,
      pidToWait,
      logDir: isAbsolute(logDir) ? logDir : resolve(logDir),
      waitTimeoutMs: seconds("wait-timeout", values["wait-timeout"]),
      healthTimeoutMs,
      trustedKeys,
    });
  } catch (err) {
    if (
      err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      console.error(`${describeError(err)}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    console.error(`Updater failed: ${err instanceof Error ? err.stack : String(err)}`);
    return EXIT_FAILURE;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
