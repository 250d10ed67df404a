/**
 * The agent's package check (`sha256File`, step 3 of an update) against the
 * barest loop that computes the same digest: `node:fs` reads into one buffer
 * and `node:crypto` hashes them. Rounds alternate so both see the same cache.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { sha256File } from "../../../agent/update/verify.ts";

function bareSha256(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let n;
    while ((n = readSync(fd, buffer, 0, buffer.length, null)) > 0) {
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

export async function compareVerify(path: string, rounds: number) {
  const agent: number[] = [];
  const bare: number[] = [];
  const warm = bareSha256(path); // fills the page cache for both
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    const a = await sha256File(path);
    agent.push(performance.now() - t);
    t = performance.now();
    const b = bareSha256(path);
    bare.push(performance.now() - t);
    if (a !== warm || b !== warm) throw new Error("The two checks disagree on the digest");
  }
  const median = (v: number[]) => v.slice().sort((x, y) => x - y)[Math.floor(v.length / 2)];
  const bytes = (await Deno.stat(path)).size;
  const agentMs = median(agent);
  const bareMs = median(bare);
  return {
    bytes,
    agent_ms: agentMs,
    bare_ms: bareMs,
    agent_mib_per_s: bytes / 1024 / 1024 / (agentMs / 1000),
    bare_mib_per_s: bytes / 1024 / 1024 / (bareMs / 1000),
  };
}
