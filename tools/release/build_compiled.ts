/**
 * The `windows-x64` and `linux-x64` targets: `deno compile` turns the agent and
 * the updater into standalone executables. deno compile builds on Deno's
 * `denort` runtime, which it downloads unless DENORT_BIN names a local copy;
 * when neither works the release tool says so in one line.
 */
import { join } from "node:path";
import { runDeno } from "./run_deno.ts";
import { signExecutable, type WindowsBuildOptions, windowsCompileFlags } from "./windows_build.ts";

/** What a target build leaves in the stage dir, for the manifest and the zip. */
export interface StagedFiles {
  platform: string;
  agent: string;
  updater: string;
  /** Every file of the package, relative to the stage dir. */
  files: string[];
}

export const COMPILE_TARGETS = {
  "windows-x64": { triple: "x86_64-pc-windows-msvc", suffix: ".exe" },
  "linux-x64": { triple: "x86_64-unknown-linux-gnu", suffix: "" },
} as const;
export type CompileTarget = keyof typeof COMPILE_TARGETS;

const DENORT_HINT = "set DENORT_BIN to a local denort binary, or use --target portable";

/** Where deno compile downloads the denort runtime of this Deno version for `triple`. */
export function denortUrl(triple: string): string {
  return `https://dl.deno.land/release/v${Deno.version.deno}/denort-${triple}.zip`;
}

/** deno compile could not get its denort runtime; the message is one line for the user. */
export class DenortUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DenortUnavailableError";
  }
}

/** Fails early, with the one-line message, when DENORT_BIN names no file. */
async function checkDenortBin(path: string | undefined) {
  if (!path) return;
  const info = await Deno.stat(path).catch(() => null);
  if (!info?.isFile) {
    throw new DenortUnavailableError(
      `deno compile needs Deno's denort runtime, but DENORT_BIN (${path}) is not a file; ${DENORT_HINT}`,
    );
  }
}

/**
 * True when deno compile failed while fetching or opening its base binary
 * rather than on our code: it then names denort or "Setting up base binary".
 */
function isDenortFailure(output: string): boolean {
  return /denort|Setting up base binary/i.test(output);
}

export interface CompileOptions {
  buildDir: string;
  /** The entry module, relative to buildDir. */
  entry: string;
  output: string;
  triple: string;
  /** Changes to the environment of deno compile; DENORT_BIN: undefined builds without one. */
  env?: Record<string, string | undefined>;
  /** More flags (the Windows ones: --no-terminal, --icon). */
  flags?: string[];
}

/** Compiles one entry; throws DenortUnavailableError when denort cannot be had. */
export async function compileEntry(options: CompileOptions): Promise<void> {
  const env = options.env ?? {};
  const denortBin = "DENORT_BIN" in env ? env.DENORT_BIN : Deno.env.get("DENORT_BIN");
  await checkDenortBin(denortBin);
  const run = await runDeno(
    [
      "compile",
      "--allow-all",
      "--target",
      options.triple,
      "--output",
      options.output,
      ...(options.flags ?? []),
      options.entry,
    ],
    { cwd: options.buildDir, env },
  );
  if (run.success) return;
  if (denortBin && /Writing binary bytes|Failed to parse/i.test(run.output)) {
    throw new DenortUnavailableError(
      `deno compile could not use DENORT_BIN (${denortBin}) as the denort runtime for ${options.triple}; ${DENORT_HINT}`,
    );
  }
  if (isDenortFailure(run.output)) {
    throw new DenortUnavailableError(
      `deno compile needs Deno's denort runtime for Deno ${Deno.version.deno}, which could not be ` +
        `downloaded from ${denortUrl(options.triple)}; ${DENORT_HINT}`,
    );
  }
  throw new Error(`deno compile ${options.entry} failed (exit ${run.code}):\n${run.output}`);
}

/** Compiles the agent and the updater of the stamped tree in `buildDir` into `stageDir`. */
export async function buildCompiled(
  buildDir: string,
  stageDir: string,
  target: CompileTarget,
  env?: Record<string, string | undefined>,
  windows: WindowsBuildOptions = {},
): Promise<StagedFiles> {
  const { triple, suffix } = COMPILE_TARGETS[target];
  const flags = target === "windows-x64" ? windowsCompileFlags(windows) : [];
  const agent = `agent${suffix}`;
  const updater = `updater${suffix}`;
  for (const [entry, name] of [["agent/main.ts", agent], ["updater/main.ts", updater]]) {
    await compileEntry({ buildDir, entry, output: join(stageDir, name), triple, env, flags });
    // Signed before the manifest hashes it: the hash is of the signed file.
    if (windows.signCommand) await signExecutable(windows.signCommand, join(stageDir, name));
  }
  return { platform: target, agent, updater, files: [agent, updater] };
}
