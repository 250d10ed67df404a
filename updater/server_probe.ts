/**
 * The updater's own view of the server, so that a new agent's health does not
 * hang on the network: the new agent is healthy once it runs; whether it can
 * reach the server is judged against whether the updater can. A new build
 * that cannot reach a server the updater reaches (a broken network stack, a
 * certificate store it cannot read) is rolled back; a server that is down for
 * everyone does not roll back a good version.
 */
import { join } from "node:path";
import { CONFIG_DIR, dataDirOf } from "../package/mod.ts";

const PROBE_TIMEOUT_MS = 5_000;

/** The server URL in the install's `config/config.json`, or null when there is none. */
async function readServerUrl(installDir: string): Promise<string | null> {
  try {
    const config = JSON.parse(
      await Deno.readTextFile(join(dataDirOf(installDir), CONFIG_DIR, "config.json")),
    );
    return typeof config?.server_url === "string" ? config.server_url : null;
  } catch {
    return null;
  }
}

/** True when `GET <server>/api/health` answers 2xx within a few seconds. */
export async function probeServer(
  serverUrl: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<boolean> {
  try {
    const res = await fetch(`${serverUrl.replace(/\/+$/, "")}/api/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** What the updater saw of the server when it started the new agent. */
export interface ServerView {
  url: string;
  reachableBefore: boolean;
}

export async function viewServer(installDir: string): Promise<ServerView | null> {
  const url = await readServerUrl(installDir);
  return url === null ? null : { url, reachableBefore: await probeServer(url) };
}

export type ServerVerdict =
  /** The agent reached the server. */
  | "reached"
  /** Nobody could be judged: the server was down before or is down now. */
  | "server_unreachable"
  /** The updater reaches the server and the new agent did not: roll back. */
  | "agent_cannot_reach";

/** Decides what the new agent's missing server contact means, probing the server once more. */
export async function judgeServerReach(
  view: ServerView,
  agentReached: boolean,
  probe: (url: string) => Promise<boolean> = probeServer,
): Promise<ServerVerdict> {
  if (agentReached) return "reached";
  if (!view.reachableBefore) return "server_unreachable";
  return await probe(view.url) ? "agent_cannot_reach" : "server_unreachable";
}
