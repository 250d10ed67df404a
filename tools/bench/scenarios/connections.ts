/**
 * connections: the fleet's agents hold their authenticated WebSockets for a
 * while; no socket may close on its own. Memory per connection is the growth
 * of the server's resident memory over the number of sockets, from the
 * restarted idle server to the end of the hold, both read after a full
 * garbage collection (forced through the V8 inspector) so the figure is what
 * the sockets keep alive; the growth without that collection, which includes
 * the garbage of the connect burst V8 has not yet reclaimed, is reported too.
 */
import { loadsFor } from "../load_group.ts";
import { agentCeiling } from "../os_limits.ts";
import { makeBenchPackage } from "../packages.ts";
import { MiB, settledRss } from "../process.ts";
import { collectGarbage } from "../profile.ts";
import { progress } from "../report.ts";
import { type BenchServer, markStable, uploadPackage } from "../server.ts";
import {
  connect,
  type Context,
  enroll,
  figure,
  profiled,
  wallMs,
  withProcesses,
} from "../scenario.ts";

const NAME = "connections";

async function rssAfterGc(server: BenchServer): Promise<number> {
  if (!server.inspector) throw new Error("The server runs without the inspector");
  await collectGarbage(server.inspector);
  return await settledRss(server.pid, 10_000);
}

export async function runConnections(ctx: Context): Promise<void> {
  const wanted = ctx.scale.agents;
  // One server process holds a descriptor per agent: a machine whose hard limit is lower
  // than the fleet runs the largest fleet it can, and the figure says why.
  const ceiling = await agentCeiling(wanted);
  if (ceiling.why) progress(`connections: ${ceiling.why}`);
  const n = ceiling.agents;
  const loads = loadsFor(n);
  figure(ctx, NAME, {
    name: "agents_on_one_instance",
    value: n,
    unit: "agents",
    target: { op: ">=", limit: wanted },
    note: ceiling.why ?? `hard open-file limit ${ceiling.hard}; ${loads} load process(es)`,
  });
  await withProcesses(ctx, { connections: n, inspect: true, loads }, async (p) => {
    const pkg = await makeBenchPackage(ctx.workDir, "1.1.0", 1024);
    const { record } = await uploadPackage(p.server, pkg.path, "1.1.0");
    await enroll(p, n);
    await p.server.restart();
    await settledRss(p.server.pid);
    const before = await rssAfterGc(p.server);
    const connectMs = await profiled(ctx, p.server, "connections-connect", () => connect(p, n));
    progress(`holding ${n} sockets for ${ctx.scale.holdMs / 1000} s`);
    const held = await p.group.hold(ctx.scale.holdMs);
    const raw = (await p.server.memory()).rss;
    const after = await rssAfterGc(p.server);
    const kib = (bytes: number) => bytes / n / 1024;
    figure(ctx, NAME, {
      name: "rss_per_connection",
      value: kib(after - before),
      unit: "KiB",
      target: { op: "<=", limit: 30 },
      note: `RSS ${(before / MiB).toFixed(0)} -> ${(after / MiB).toFixed(0)} MiB with ${n} sockets`,
    });
    figure(ctx, NAME, {
      name: "rss_per_connection_before_gc",
      value: kib(raw - before),
      unit: "KiB",
      note: `RSS ${(raw / MiB).toFixed(0)} MiB at the end of the hold, before collecting`,
    });
    figure(ctx, NAME, {
      name: "dropped_connections",
      value: held.drops + (n - held.open),
      unit: "sockets",
      target: { op: "<=", limit: 0 },
      note: `${held.open} of ${n} open after ${ctx.scale.holdMs / 1000} s`,
    });
    figure(ctx, NAME, {
      name: "connect_rate",
      value: n / (connectMs / 1000),
      unit: "sockets/s",
      note: "handshakes incl. agent auth, 200 at a time",
    });
    // The whole fleet hears of a new version (issue 17, item 1: p99 <= 2 s at 50,000).
    const t0 = wallMs();
    await markStable(p.server, record.id);
    const events = await p.group.awaitEvents(t0, 60_000);
    progress(
      `${events.received}/${events.expected} notified, p50 ${events.p50_ms.toFixed(0)} ms, ` +
        `p99 ${events.p99_ms.toFixed(0)} ms`,
    );
    figure(ctx, NAME, {
      name: "notify_all_p99",
      value: events.p99_ms,
      unit: "ms",
      target: { op: "<=", limit: 2000 },
      note: `${events.received} of ${events.expected} open sockets notified; p50 ` +
        `${events.p50_ms.toFixed(0)} ms, max ${events.max_ms.toFixed(0)} ms`,
    });
    await p.group.closeAll();
  });
}
