/** Runs the current `deno` binary as a child process and collects its output. */
export interface DenoRun {
  success: boolean;
  code: number;
  output: string;
}

/**
 * `env` adds to this process's environment; a key set to undefined is removed
 * (so a caller can build without an inherited DENORT_BIN, for instance).
 */
export async function runDeno(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<DenoRun> {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    success: result.success,
    code: result.code,
    output: decoder.decode(result.stdout) + decoder.decode(result.stderr),
  };
}
