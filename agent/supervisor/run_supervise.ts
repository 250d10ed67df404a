/** `agent supervise [--install-dir D]`: the supervisor loop with its log and signals. */
import { Logger } from "../log.ts";
import { agentPaths } from "../paths.ts";
import { supervise } from "./supervise.ts";

export async function runSupervise(installDir: string): Promise<number> {
  const paths = agentPaths(installDir);
  const log = new Logger({ dir: paths.logDir, name: "supervisor.log", echo: true });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await supervise({ installDir, log, signal: stop.signal });
  } finally {
    log.close();
  }
  return 0;
}
