/**
 * fan-out: with the fleet connected, an admin marks a version stable; the
 * time from the PUT leaving the admin until each agent received
 * `agent:new_version_available`. Three versions, one after another, so the
 * percentiles rest on three times the fleet's samples.
 */
import { loadsFor } from "../load_group.ts";
import { makeBenchPackage } from "../packages.ts";
import { progress } from "../report.ts";
import { connect, type Context, enroll, figure, wallMs, withProcesses } from "../scenario.ts";
import { markStable, uploadPackage } from "../server.ts";

const NAME = "fanout";
const VERSIONS = ["1.1.0", "1.2.0", "1.3.0"];

export async function runFanout(ctx: Context): Promise<void> {
  const n = ctx.scale.agents;
  await withProcesses(ctx, { connections: n, loads: loadsFor(n) }, async (p) => {
    const ids: string[] = [];
    for (const version of VERSIONS) {
      const pkg = await makeBenchPackage(ctx.workDir, version, 1024);
      ids.push((await uploadPackage(p.server, pkg.path, version)).record.id);
    }
    await enroll(p, n);
    await connect(p, n);
    let received = 0;
    let drops = 0;
    let worstP99 = 0;
    let worstMax = 0;
    const p50s: number[] = [];
    for (const [i, id] of ids.entries()) {
      const t0 = wallMs();
      await markStable(p.server, id);
      const r = await p.group.awaitEvents(t0, 60_000);
      progress(
        `${VERSIONS[i]}: ${r.received}/${r.expected} agents notified, ` +
          `p50 ${r.p50_ms.toFixed(0)} ms, p99 ${r.p99_ms.toFixed(0)} ms, max ${
            r.max_ms.toFixed(0)
          } ms`,
      );
      received += r.received;
      drops = r.drops;
      p50s.push(r.p50_ms);
      worstP99 = Math.max(worstP99, r.p99_ms);
      worstMax = Math.max(worstMax, r.max_ms);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    figure(ctx, NAME, {
      name: "notify_p99",
      value: worstP99,
      unit: "ms",
      target: { op: "<=", limit: 1000 },
      note: `worst of ${VERSIONS.length} rounds with ${n} agents; p50 ` +
        `${p50s.map((v) => v.toFixed(0)).join("/")} ms, max ${worstMax.toFixed(0)} ms`,
    });
    figure(ctx, NAME, {
      name: "agents_not_notified",
      value: n * VERSIONS.length - received,
      unit: "events",
      target: { op: "<=", limit: 0 },
      note: `${drops} sockets dropped by the server during the run (an agent checks when it ` +
        `reconnects, so it still learns of the version)`,
    });
    await p.group.closeAll();
  });
}
