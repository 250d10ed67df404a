/**
 * The bench's side of the load process (`load.ts`): it starts it with a raised
 * descriptor limit and calls its commands over stdin/stdout, one JSON line per
 * request (`{id, cmd, args}`) and per reply (`{id, ok, result | error}`).
 */
import { readMemory } from "./process.ts";
import { type ChildHandle, spawnDeno } from "../process.ts";
import type { Commands } from "./load/commands.ts";
import { fileURLToPath } from "node:url";

const LOAD_MAIN = fileURLToPath(new URL("./load.ts", import.meta.url));

type Args<K extends keyof Commands> = Parameters<Commands[K]>[0];
type Result<K extends keyof Commands> = Awaited<ReturnType<Commands[K]>>;

export interface LoadProcess {
  pid: number;
  call<K extends keyof Commands>(cmd: K, args: Args<K>, timeoutMs: number): Promise<Result<K>>;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

export function startLoad(nofile: number): LoadProcess {
  const proc: ChildHandle = spawnDeno({
    args: ["run", "--allow-all", LOAD_MAIN],
    nofile,
    keepChars: 64 * 1024,
    pipeStdout: true,
    stdin: true,
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let gone: Error | null = null;
  const writer = proc.child.stdin.getWriter();

  (async () => {
    let buffer = "";
    for await (const text of proc.child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += text;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith("{")) continue;
        const reply = JSON.parse(line);
        const waiter = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.ok) waiter?.resolve(reply.result);
        else waiter?.reject(new Error(`load ${reply.cmd}: ${reply.error}`));
      }
    }
  })().catch(() => {}).finally(() => {
    gone = new Error(`The load process exited:\n${proc.output()}`);
    for (const waiter of pending.values()) waiter.reject(gone);
    pending.clear();
  });

  return {
    pid: proc.pid,
    async call(cmd, args, timeoutMs) {
      if (gone) throw gone;
      const id = nextId++;
      const { promise, resolve, reject } = Promise.withResolvers<unknown>();
      pending.set(id, { resolve, reject });
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`load ${cmd} did not answer in ${timeoutMs} ms:\n${proc.output()}`));
      }, timeoutMs);
      await writer.write(new TextEncoder().encode(JSON.stringify({ id, cmd, args }) + "\n"));
      try {
        return await promise as never;
      } finally {
        clearTimeout(timer);
      }
    },
    async rss() {
      return (await readMemory(proc.pid)).rss;
    },
    async stop() {
      await writer.close().catch(() => {});
      await proc.stop();
    },
  };
}
