/**
 * CPU profiles of the server process for `--profile`: the server runs with
 * `--inspect=127.0.0.1:0`, and a phase is recorded through the V8 inspector
 * protocol (Profiler.start / Profiler.stop). The profile is saved as a
 * `.cpuprofile` (open it in Chrome DevTools) and summed up as the functions
 * and files with the most self time, which is what a missed target needs.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** The inspector's WebSocket URL, from "Debugger listening on ws://..." in the server's stderr. */
export function inspectorUrl(output: string): string | null {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1] ?? null;
}

type Send = (method: string, params?: Record<string, unknown>) => Promise<unknown>;

/** Opens an inspector session; `close` ends it (the process runs on untouched). */
async function openSession(wsUrl: string): Promise<{ send: Send; close(): void }> {
  const socket = new WebSocket(wsUrl);
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    if (message.id !== undefined) pending.get(message.id)?.(message.result ?? message.error);
  };
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`Cannot reach the inspector at ${wsUrl}`));
  });
  const send: Send = (method, params = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

/** Runs a full garbage collection in the inspected process. */
export async function collectGarbage(wsUrl: string): Promise<void> {
  const session = await openSession(wsUrl);
  try {
    await session.send("HeapProfiler.collectGarbage");
  } finally {
    session.close();
  }
}

/** Starts recording; the returned function stops and returns the profile. */
export async function startCpuProfile(wsUrl: string): Promise<() => Promise<CpuProfile>> {
  const { send, close } = await openSession(wsUrl);
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  return async () => {
    const result = await send("Profiler.stop") as { profile: CpuProfile };
    close();
    return result.profile;
  };
}

/** The top `count` functions and files by self time, as readable lines. */
export function summarizeProfile(profile: CpuProfile, count = 15): string {
  const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0) || 1;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = shortUrl(url) || `(${functionName || "native"})`;
    const key = `${functionName || "(anonymous)"} ${file}${url ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    byFile.set(file, (byFile.get(file) ?? 0) + hits);
  }
  const top = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count)
      .map(([name, hits]) => `  ${(100 * hits / total).toFixed(1).padStart(5)}%  ${name}`);
  const seconds = ((profile.endTime - profile.startTime) / 1e6).toFixed(1);
  return [
    `CPU profile over ${seconds} s, ${total} samples. Self time by function:`,
    ...top(byFunction),
    "Self time by file:",
    ...top(byFile),
  ].join("\n");
}

const ROOT = new URL("../../", import.meta.url).href;

/** Repository files relative to the root, npm packages by name, the rest by their last two parts. */
function shortUrl(url: string): string {
  if (url.startsWith(ROOT)) return url.slice(ROOT.length);
  const npm = /\/registry\.npmjs\.org\/(.+)$/.exec(url);
  if (npm) return `npm:${npm[1]}`;
  return /([^/]+\/[^/]+)$/.exec(url)?.[1] ?? url;
}
