/**
 * Agent packages of any size for the bench, written straight to disk: a
 * `manifest.json`, small `agent` and `updater` launchers, and a stored (not
 * compressed) payload of pseudo-random bytes, so a 1 GB package never sits
 * in memory and its zip is as big as asked.
 */
import { createHash, randomBytes } from "node:crypto";
import { TextReader, Uint8ArrayReader, ZipWriter } from "@zip.js/zip.js";
import { MiB } from "./process.ts";

export interface BenchPackage {
  path: string;
  version: string;
  size: number;
}

function payloadStream(
  bytes: number,
  hash: ReturnType<typeof createHash>,
): ReadableStream<Uint8Array> {
  const block = randomBytes(MiB);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const chunk = new Uint8Array(Math.min(MiB, bytes - sent));
      chunk.set(block.subarray(0, chunk.length));
      // Every MiB differs, so nothing downstream can deduplicate it.
      new DataView(chunk.buffer).setFloat64(0, sent);
      hash.update(chunk);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

/** Writes `hangar-agent-<version>.zip` with a `payloadBytes` payload into `dir`. */
export async function makeBenchPackage(
  dir: string,
  version: string,
  payloadBytes: number,
): Promise<BenchPackage> {
  const path = `${dir}/hangar-agent-${version}.zip`;
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const zip = new ZipWriter(file.writable, { level: 0, useWebWorkers: false });
  const launcher = `#!/bin/sh\necho "bench package ${version}"\n`;
  const hash = createHash("sha256");
  await zip.add("payload.bin", payloadStream(payloadBytes, hash), { level: 0 });
  const launcherHash = createHash("sha256").update(launcher).digest("hex");
  const launcherSize = new TextEncoder().encode(launcher).length;
  const manifest = {
    name: "hangar-agent",
    version,
    platform: "portable",
    agent: "agent",
    updater: "updater",
    files: [
      { path: "agent", sha256: launcherHash, size: launcherSize },
      { path: "updater", sha256: launcherHash, size: launcherSize },
      { path: "payload.bin", sha256: hash.digest("hex"), size: payloadBytes },
    ],
  };
  await zip.add("agent", new TextReader(launcher));
  await zip.add("updater", new TextReader(launcher));
  await zip.add(
    "manifest.json",
    new Uint8ArrayReader(new TextEncoder().encode(JSON.stringify(manifest, null, 2))),
  );
  await zip.close();
  return { path, version, size: (await Deno.stat(path)).size };
}
