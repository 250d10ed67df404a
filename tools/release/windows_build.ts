/**
 * What a Windows build adds to `deno compile`: no console window for the
 * executables a service or scheduled task runs (`--no-terminal`), the icon
 * (`--icon`), and a signing hook run on each executable before it is hashed
 * into the manifest (`--sign-command "signtool sign /fd sha256 /a"`), since an
 * Authenticode signature is what keeps antivirus from flagging a new build.
 */

export interface WindowsBuildOptions {
  /** Build without a console window (the Windows GUI subsystem). */
  noTerminal?: boolean;
  /** An .ico file for the executables. */
  icon?: string;
  /** A command run once per executable; `{file}` is replaced by its path, else the path is appended. */
  signCommand?: string;
}

/** The extra `deno compile` flags for a Windows target. */
export function windowsCompileFlags(options: WindowsBuildOptions): string[] {
  return [
    ...(options.noTerminal ? ["--no-terminal"] : []),
    ...(options.icon ? ["--icon", options.icon] : []),
  ];
}

/**
 * Splits a command line into arguments the way a POSIX shell would for
 * simple quoting ('single', "double", backslash escapes outside quotes), so
 * the command runs without a shell.
 */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = "";
  let started = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (c === "\\" && i + 1 < line.length && Deno.build.os !== "windows") {
      current += line[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) args.push(current);
      current = "";
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote) throw new Error(`Unclosed ${quote} in the command: ${line}`);
  if (started) args.push(current);
  return args;
}

/** The argument list of the signing command for one file. */
export function signCommandFor(command: string, file: string): string[] {
  const parts = splitCommandLine(command);
  if (parts.length === 0) throw new Error("--sign-command is empty");
  return parts.some((p) => p.includes("{file}"))
    ? parts.map((p) => p.replaceAll("{file}", file))
    : [...parts, file];
}

/** Runs the signing command on `file`; throws with its output when it fails. */
export async function signExecutable(command: string, file: string): Promise<void> {
  const [program, ...args] = signCommandFor(command, file);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(program, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .output();
  } catch (error) {
    throw new Error(`Cannot run the sign command "${program}": ${(error as Error).message}`);
  }
  if (!out.success) {
    const decoder = new TextDecoder();
    const output = (decoder.decode(out.stdout) + decoder.decode(out.stderr)).trim();
    throw new Error(`Signing ${file} failed (exit ${out.code}): ${output}`);
  }
}
