/**
 * downloads: many agents download one package at once. Aggregate throughput
 * of `GET /api/agent/agent-packages/:file` (agent auth, the download cap,
 * ETag and Range handling) against a plain `Deno.serve` streaming the same
 * file from its own process, alternating plain/Hangar twice; and the
 * server's peak resident memory while it streams (VmHWM, reset first).
 */
import { makeBenchPackage } from "../packages.ts";
import { MiB } from "../process.ts";
import { spawnDeno } from "../../process.ts";
import { progress } from "../report.ts";
import { type Context, enroll, figure, withProcesses } from "../scenario.ts";
import { uploadPackage } from "../server.ts";
import { fileURLToPath } from "node:url";

const NAME = "downloads";
const PLAIN_SERVER = fileURLToPath(new URL("../plain_file_server.ts", import.meta.url));

export async function runDownloads(ctx: Context): Promise<void> {
  const { downloads, downloadMiB } = ctx.scale;
  const pkg = await makeBenchPackage(ctx.workDir, "1.1.0", downloadMiB * MiB);
  await withProcesses(ctx, { connections: downloads }, async (p) => {
    const { record } = await uploadPackage(p.server, pkg.path, "1.1.0");
    await enroll(p, 1);
    await p.server.restart();
    const idle = (await p.server.memory()).rss;
    const plain = spawnDeno({
      args: ["run", "--allow-all", PLAIN_SERVER, pkg.path],
      nofile: 4096,
      keepChars: 64 * 1024,
    });
    try {
      const plainUrl = await plain.waitForLine(
        "the plain file server's address",
        (line) => /^listening on (http:\/\/\S+)$/.exec(line)?.[1],
        60_000,
      );
      const urls = {
        plain: `${plainUrl}/package.zip`,
        hangar: new URL(record.download_url, p.server.url).href,
      };
      const rates = { plain: [] as number[], hangar: [] as number[] };
      let peak = 0;
      for (let round = 0; round < 2; round++) {
        for (const kind of ["plain", "hangar"] as const) {
          if (kind === "hangar") await p.server.resetPeak();
          const r = await p.load.call("downloads", {
            url: urls[kind],
            count: downloads,
            concurrency: downloads,
            bytes: pkg.size,
          }, 30 * 60_000);
          if (r.failed > 0) {
            throw new Error(`${kind}: ${r.failed} downloads failed: ${r.last_error}`);
          }
          if (kind === "hangar") peak = Math.max(peak, (await p.server.memory()).hwm);
          progress(`${kind} round ${round + 1}: ${r.mib_per_s.toFixed(0)} MiB/s`);
          rates[kind].push(r.mib_per_s);
        }
      }
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      figure(ctx, NAME, {
        name: "throughput_vs_plain",
        value: mean(rates.hangar) / mean(rates.plain),
        unit: "ratio",
        target: { op: ">=", limit: 0.8 },
        note: `${downloads} concurrent x ${(pkg.size / MiB).toFixed(0)} MiB`,
      });
      figure(ctx, NAME, {
        name: "throughput",
        value: mean(rates.hangar),
        unit: "MiB/s",
        baseline: mean(rates.plain),
      });
      figure(ctx, NAME, {
        name: "server_peak_rss",
        value: peak / MiB,
        unit: "MiB",
        target: { op: "<=", limit: 200 },
        note: `idle ${(idle / MiB).toFixed(0)} MiB before the downloads`,
      });
    } finally {
      await plain.stop();
    }
  });
}
