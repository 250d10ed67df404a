/**
 * verify: the agent's package check (`sha256File` from agent/update/verify.ts)
 * against a bare `node:crypto` loop over the same file, run in the load
 * process (no server involved), median of five alternating rounds.
 */
import { startLoad } from "../load_process.ts";
import { makeBenchPackage } from "../packages.ts";
import { MiB } from "../process.ts";
import { type Context, figure } from "../scenario.ts";

const NAME = "verify";

export async function runVerify(ctx: Context): Promise<void> {
  const pkg = await makeBenchPackage(ctx.workDir, "9.9.9", ctx.scale.verifyMiB * MiB);
  const load = startLoad(1024);
  try {
    const r = await load.call("verify", { path: pkg.path, rounds: 5 }, 10 * 60_000);
    figure(ctx, NAME, {
      name: "speed_vs_bare_loop",
      value: r.agent_mib_per_s / r.bare_mib_per_s,
      unit: "ratio",
      target: { op: ">=", limit: 0.9 },
      note: `${(r.bytes / MiB).toFixed(0)} MiB file, page cache warm`,
    });
    figure(ctx, NAME, {
      name: "agent_check_speed",
      value: r.agent_mib_per_s,
      unit: "MiB/s",
      baseline: r.bare_mib_per_s,
    });
  } finally {
    await load.stop();
    await Deno.remove(pkg.path);
  }
}
