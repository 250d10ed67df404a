/**
 * report_flood (issue 13, item 3): one agent sends ~59 KB error reports as
 * fast as it can while other agents time check_update and an admin times the
 * computer list, each request on a fresh connection, in a probe process of
 * their own. Both p99s are measured idle first, then under the flood; the
 * target is within 2x of idle. `report_flood` runs the server with the report
 * rate limit lifted (AGENT_REPORTS_PER_MINUTE=1000000) so every report is
 * stored: the worst case for the errors table. `report_flood_limited` runs it
 * with the default limit, as a real server is configured: the flood is then
 * mostly answered 429. Afterwards the flooding computer's stored errors must
 * fit the 1 MiB cap.
 */
import type { ComputerError, ComputerSummary } from "../../../protocol/mod.ts";
import { startLoad } from "../load_process.ts";
import { makeBenchPackage } from "../packages.ts";
import { progress } from "../report.ts";
import { type Context, enroll, figure, wallMs, withProcesses } from "../scenario.ts";
import { markStable, uploadPackage } from "../server.ts";

const CHECK = "/api/agent/check_update?current_version=1.0.0";
const REPORT_BYTES = 59_000;
const FLOOD_CONNECTIONS = 4;
const MiB = 1024 * 1024;

/** The worst case: every report stored. */
export const runReportFlood = (ctx: Context) =>
  floodScenario(ctx, "report_flood", { AGENT_REPORTS_PER_MINUTE: "1000000" });

/** As a server is configured by default: the flood mostly meets 429. */
export const runReportFloodLimited = (ctx: Context) =>
  floodScenario(ctx, "report_flood_limited", {});

async function floodScenario(
  ctx: Context,
  name: string,
  env: Record<string, string>,
): Promise<void> {
  const probes = ctx.scale.quick ? 10 : 50;
  const phaseMs = ctx.scale.quick ? 3_000 : 20_000;
  await withProcesses(ctx, { connections: probes + 100, env }, async (p) => {
    const pkg = await makeBenchPackage(ctx.workDir, "1.1.0", 1024);
    await markStable(p.server, (await uploadPackage(p.server, pkg.path, "1.1.0")).record.id);
    await enroll(p, 1); // the flooding agent
    const prober = startLoad(1024);
    try {
      await prober.call("enroll", {
        server: p.server.url,
        token: p.server.enrollmentToken,
        count: probes,
        concurrency: probes,
      }, 60_000);
      const admin = { authorization: `Bearer ${p.server.adminToken}` };
      const measure = async (label: string) => {
        const t0 = wallMs();
        await prober.call("probeStart", { path: CHECK, pauseMs: 20 }, 10_000);
        await prober.call("urlProbeStart", {
          url: `${p.server.url}/api/admin/computers`,
          headers: admin,
          pauseMs: 20,
        }, 10_000);
        await new Promise((r) => setTimeout(r, phaseMs));
        const check = await prober.call("probeStop", { t0 }, 60_000);
        const list = await prober.call("urlProbeStop", { t0 }, 60_000);
        progress(
          `${label}: check_update p99 ${check.p99_ms.toFixed(1)} ms (${check.checks} checks, ` +
            `${check.errors} errors), admin list p99 ${list.p99_ms.toFixed(1)} ms ` +
            `(${list.checks} requests, ${list.errors} errors)`,
        );
        if (check.errors > 0 || list.errors > 0) {
          throw new Error(`${label}: probes failed: ${check.last_error || list.last_error}`);
        }
        return { check, list };
      };

      const idle = await measure("idle");
      await p.load.call("floodStart", {
        agent: 0,
        concurrency: FLOOD_CONNECTIONS,
        bytes: REPORT_BYTES,
      }, 10_000);
      // Past the per-computer cap first, so the flood measured is the steady state.
      await new Promise((r) => setTimeout(r, phaseMs / 2));
      const flooded = await measure("flood");
      const flood = await p.load.call("floodStop", {}, 120_000);
      progress(
        `flood: ${flood.sent} reports sent in ${flood.seconds.toFixed(1)} s, ` +
          `${flood.stored} stored, ${flood.limited} limited, ${flood.other} other, ` +
          `${flood.errors} errors ${flood.last_error}`,
      );

      // The flooder is the computer with errors (the probing agents report none).
      const computers: ComputerSummary[] = await (await fetch(
        `${p.server.url}/api/admin/computers`,
        { headers: admin },
      )).json();
      const computer = computers.reduce((a, b) =>
        b.active_error_count > a.active_error_count ? b : a
      );
      const errors: ComputerError[] = await (await fetch(
        `${p.server.url}/api/admin/computers/${computer.id}/errors`,
        { headers: admin },
      )).json();
      const storedBytes = errors.reduce((sum, e) => sum + JSON.stringify(e).length, 0);

      figure(ctx, name, {
        name: "check_update_p99_flood_vs_idle",
        value: flooded.check.p99_ms / idle.check.p99_ms,
        unit: "ratio",
        target: { op: "<=", limit: 2 },
        baseline: idle.check.p99_ms,
        note: `${probes} agents; p99 ${flooded.check.p99_ms.toFixed(1)} ms under the flood, ` +
          `${idle.check.p99_ms.toFixed(1)} ms idle`,
      });
      figure(ctx, name, {
        name: "admin_list_p99_flood_vs_idle",
        value: flooded.list.p99_ms / idle.list.p99_ms,
        unit: "ratio",
        target: { op: "<=", limit: 2 },
        baseline: idle.list.p99_ms,
        note: `p99 ${flooded.list.p99_ms.toFixed(1)} ms under the flood, ` +
          `${idle.list.p99_ms.toFixed(1)} ms idle`,
      });
      figure(ctx, name, {
        name: "reports_stored",
        value: flood.stored / flood.seconds,
        unit: "reports/s",
        note: `${REPORT_BYTES} B each, ${FLOOD_CONNECTIONS} connections, ${flood.stored} in all`,
      });
      figure(ctx, name, {
        name: "stored_error_bytes",
        value: storedBytes / MiB,
        unit: "MiB",
        // The cap counts elements as stored; the API adds resolved_by to each one.
        target: { op: "<=", limit: 1.01 },
        note: `${errors.length} errors kept of ${flood.stored} stored, as the API answers them`,
      });
    } finally {
      await prober.stop();
    }
  });
}
