/**
 * The load process: simulated agents, driven by the bench over stdin/stdout
 * (one JSON request per line in, one JSON reply per line out). It runs apart
 * from the server so the server's memory and CPU are its own.
 */
import { commands } from "./load/commands.ts";

type Handler = (args: unknown) => Promise<unknown>;

async function answer(line: string): Promise<void> {
  const { id, cmd, args } = JSON.parse(line);
  const handler = (commands as Record<string, Handler>)[cmd];
  try {
    if (!handler) throw new Error(`unknown command "${cmd}"`);
    const result = await handler(args);
    console.log(JSON.stringify({ id, cmd, ok: true, result }));
  } catch (error) {
    console.log(JSON.stringify({ id, cmd, ok: false, error: (error as Error).message }));
  }
}

let buffer = "";
for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  buffer += text;
  let newline;
  while ((newline = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, newline).trim();
    buffer = buffer.slice(newline + 1);
    // Commands run concurrently: a long one (hold) must not block a quick one.
    if (line) void answer(line);
  }
}
// stdin closed: the bench is done with us.
Deno.exit(0);
