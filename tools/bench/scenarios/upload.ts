/**
 * upload: an admin uploads a large package (multipart, streamed from disk by
 * the bench). The server's peak resident memory during the upload (VmHWM,
 * reset on a restarted idle server) and the upload's time against writing the
 * same bytes to a local file while hashing them, the least the server must do.
 */
import { createHash } from "node:crypto";
import { makeBenchPackage } from "../packages.ts";
import { MiB } from "../process.ts";
import { progress } from "../report.ts";
import { type Context, figure, withProcesses } from "../scenario.ts";
import { uploadPackage } from "../server.ts";

const NAME = "upload";

/** Copies `from` to `to` in 1 MiB reads, hashing every byte: the local baseline. */
async function writeAndHash(from: string, to: string): Promise<number> {
  const started = performance.now();
  const hash = createHash("sha256");
  const input = await Deno.open(from);
  const output = await Deno.open(to, { write: true, create: true, truncate: true });
  try {
    const buffer = new Uint8Array(MiB);
    let n;
    while ((n = await input.read(buffer)) !== null) {
      const chunk = buffer.subarray(0, n);
      hash.update(chunk);
      for (let written = 0; written < n;) written += await output.write(chunk.subarray(written));
    }
    await output.sync();
  } finally {
    input.close();
    output.close();
  }
  hash.digest("hex");
  const ms = performance.now() - started;
  await Deno.remove(to);
  return ms;
}

export async function runUpload(ctx: Context): Promise<void> {
  const pkg = await makeBenchPackage(ctx.workDir, "1.1.0", ctx.scale.uploadMiB * MiB);
  const env = { PACKAGE_MAX_BYTES: String(4 * 1024 ** 3) };
  await withProcesses(ctx, { connections: 1, env }, async (p) => {
    await p.server.restart();
    const idle = (await p.server.memory()).rss;
    const localMs = [await writeAndHash(pkg.path, `${ctx.workDir}/copy.bin`)];
    await p.server.resetPeak();
    const { ms } = await uploadPackage(p.server, pkg.path, "1.1.0");
    const peak = (await p.server.memory()).hwm;
    localMs.push(await writeAndHash(pkg.path, `${ctx.workDir}/copy.bin`));
    const local = Math.min(...localMs);
    progress(`upload ${(ms / 1000).toFixed(1)} s, local write+hash ${(local / 1000).toFixed(1)} s`);
    const size = `${(pkg.size / MiB).toFixed(0)} MiB`;
    figure(ctx, NAME, {
      name: "server_peak_rss",
      value: peak / MiB,
      unit: "MiB",
      target: { op: "<=", limit: 150 },
      note: `${size} package; idle ${(idle / MiB).toFixed(0)} MiB before`,
    });
    figure(ctx, NAME, {
      name: "time_vs_local_write_hash",
      value: ms / local,
      unit: "x",
      target: { op: "<=", limit: 1.5 },
      note: `${(ms / 1000).toFixed(2)} s vs ${(local / 1000).toFixed(2)} s for ${size}`,
    });
  });
}
