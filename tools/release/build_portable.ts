/**
 * The `portable` target: the agent and the updater bundled to JavaScript
 * (`deno bundle --platform deno`), each with a POSIX shell launcher and a
 * Windows `.cmd` launcher that run it with the Deno in HANGAR_DENO or on PATH.
 */
import { join } from "node:path";
import { PORTABLE_PLATFORM } from "../../package/mod.ts";
import { runDeno } from "./run_deno.ts";
import type { StagedFiles } from "./build_compiled.ts";

const ENTRIES = [
  { name: "agent", source: "agent/main.ts" },
  { name: "updater", source: "updater/main.ts" },
] as const;

/**
 * `--no-config` keeps a deno.json in some folder above the install dir from
 * changing how the bundle runs; the bundle needs no import map or lock file.
 */
export function shellLauncher(name: string): string {
  return [
    "#!/bin/sh",
    `# Hangar ${name} launcher (portable package): runs ${name}.js with HANGAR_DENO or deno on PATH.`,
    'here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)',
    `exec "\${HANGAR_DENO:-deno}" run --allow-all --no-prompt --no-config "$here/${name}.js" "$@"`,
    "",
  ].join("\n");
}

export function cmdLauncher(name: string): string {
  return [
    "@echo off",
    `rem Hangar ${name} launcher (portable package): runs ${name}.js with HANGAR_DENO or deno on PATH.`,
    "setlocal",
    'set "HANGAR_DENO_EXE=%HANGAR_DENO%"',
    'if "%HANGAR_DENO_EXE%"=="" set "HANGAR_DENO_EXE=deno"',
    `"%HANGAR_DENO_EXE%" run --allow-all --no-prompt --no-config "%~dp0${name}.js" %*`,
    "exit /b %ERRORLEVEL%",
    "",
  ].join("\r\n");
}

/** Bundles the stamped build tree in `buildDir` into `stageDir`. */
export async function buildPortable(buildDir: string, stageDir: string): Promise<StagedFiles> {
  const files: string[] = [];
  for (const entry of ENTRIES) {
    const js = `${entry.name}.js`;
    const run = await runDeno(
      ["bundle", "--platform", "deno", "--output", join(stageDir, js), entry.source],
      { cwd: buildDir },
    );
    if (!run.success) {
      throw new Error(`deno bundle ${entry.source} failed (exit ${run.code}):\n${run.output}`);
    }
    await Deno.writeTextFile(join(stageDir, entry.name), shellLauncher(entry.name));
    // Windows has no mode bits; the zip entry and the extracting agent mark it executable.
    if (Deno.build.os !== "windows") await Deno.chmod(join(stageDir, entry.name), 0o755);
    await Deno.writeTextFile(join(stageDir, `${entry.name}.cmd`), cmdLauncher(entry.name));
    files.push(entry.name, `${entry.name}.cmd`, js);
  }
  return { platform: PORTABLE_PLATFORM, agent: "agent", updater: "updater", files };
}
