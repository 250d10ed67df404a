/**
 * Runs the release CLI (`deno run tools/release.ts`) as a child process and
 * records when each line of its output arrived, so a test can time what
 * happens after, say, "is now the stable version".
 */
import { fileURLToPath } from "node:url";

const RELEASE_MAIN = fileURLToPath(new URL("../../tools/release.ts", import.meta.url));

export interface ReleaseLine {
  text: string;
  /** performance.now() when the line was read. */
  at: number;
}

export interface ReleaseRun {
  code: number;
  stdout: ReleaseLine[];
  stderr: string;
}

async function readLines(stream: ReadableStream<Uint8Array>, into: ReleaseLine[]) {
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop()!;
    for (const text of parts) into.push({ text, at: performance.now() });
  }
  if (pending) into.push({ text: pending, at: performance.now() });
}

export async function runRelease(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<ReleaseRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", RELEASE_MAIN, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).spawn();
  const stdout: ReleaseLine[] = [];
  const [, stderr, status] = await Promise.all([
    readLines(child.stdout, stdout),
    new Response(child.stderr).text(),
    child.status,
  ]);
  return { code: status.code, stdout, stderr };
}

/** The arrival time of the first stdout line matching `pattern`; throws when none does. */
export function lineTime(run: ReleaseRun, pattern: RegExp): number {
  const line = run.stdout.find((l) => pattern.test(l.text));
  if (!line) throw new Error(`No release output line matches ${pattern}:\n${describe(run)}`);
  return line.at;
}

export function describe(run: ReleaseRun): string {
  return `exit ${run.code}\nstdout:\n${
    run.stdout.map((l) => l.text).join("\n")
  }\nstderr:\n${run.stderr}`;
}
