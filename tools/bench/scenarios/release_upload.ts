/**
 * release_upload: `deno task release`'s upload code (tools/release/upload.ts,
 * with its progress bar drawing into a sink) against curl posting the same
 * multipart form to the same server, alternating, median of three rounds each.
 * The figure is curl's time over the release tool's: 1 means as fast as curl.
 */
import { makeBenchPackage } from "../packages.ts";
import { MiB } from "../process.ts";
import { progress } from "../report.ts";
import { type Context, figure, withProcesses } from "../scenario.ts";
import type { BenchServer } from "../server.ts";
import { createProgress } from "../../release/progress.ts";
import { uploadVersion } from "../../release/upload.ts";

const NAME = "release_upload";
const ROUNDS = 3;

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[values.length >> 1];

async function uploadWithRelease(server: BenchServer, path: string, version: string) {
  const size = (await Deno.stat(path)).size;
  let drawn = 0;
  const bar = createProgress({
    label: `release: uploading ${version}`,
    total: size,
    terminal: true,
    write: () => drawn++,
  });
  const started = performance.now();
  await uploadVersion({
    server: server.url,
    token: server.adminToken,
    zipPath: path,
    version,
    onProgress: (sent) => bar.update(sent),
  });
  bar.finish();
  const ms = performance.now() - started;
  if (drawn < 2) throw new Error(`The progress bar was drawn ${drawn} times`);
  return ms;
}

async function uploadWithCurl(server: BenchServer, path: string, version: string) {
  const started = performance.now();
  const out = await new Deno.Command("curl", {
    args: [
      "--silent",
      "--show-error",
      "--output",
      "/dev/null",
      "--write-out",
      "%{http_code}",
      // Send at once, as the release tool does, instead of waiting for "100 Continue".
      "--header",
      "Expect:",
      "--header",
      `authorization: Bearer ${server.adminToken}`,
      "--form",
      `version=${version}`,
      "--form",
      `file=@${path};type=application/zip`,
      `${server.url}/api/admin/agents/versions`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - started;
  const status = new TextDecoder().decode(out.stdout);
  if (status !== "201") {
    throw new Error(`curl upload of ${version}: ${status} ${new TextDecoder().decode(out.stderr)}`);
  }
  return ms;
}

export async function runReleaseUpload(ctx: Context): Promise<void> {
  // The figure is for 100 MiB; the quick run checks the wiring with less.
  const mib = ctx.scale.quick ? 20 : 100;
  const env = { PACKAGE_MAX_BYTES: String(4 * 1024 ** 3) };
  await withProcesses(ctx, { connections: 1, env }, async (p) => {
    const times = { curl: [] as number[], release: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const tool of ["curl", "release"] as const) {
        const version = `1.2.${round * 2 + (tool === "curl" ? 0 : 1)}`;
        const pkg = await makeBenchPackage(ctx.workDir, version, mib * MiB);
        const upload = tool === "curl" ? uploadWithCurl : uploadWithRelease;
        times[tool].push(await upload(p.server, pkg.path, version));
        await Deno.remove(pkg.path);
      }
    }
    const curl = median(times.curl);
    const release = median(times.release);
    const rate = (ms: number) => `${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
    progress(`release upload ${rate(release)}, curl ${rate(curl)} (${mib} MiB)`);
    figure(ctx, NAME, {
      name: "speed_vs_curl",
      value: curl / release,
      unit: "x",
      target: { op: ">=", limit: 0.8 },
      note: `${mib} MiB: release ${(release / 1000).toFixed(2)} s (${rate(release)}), curl ${
        (curl / 1000).toFixed(2)
      } s (${rate(curl)}), median of ${ROUNDS}`,
    });
  });
}
