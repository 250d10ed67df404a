/**
 * connections: the fleet's agents hold their authenticated WebSockets for a
 * while; no socket may close on its own. Memory per connection is the growth
 * of the server's resident memory over the number of sockets, from the
 * restarted idle server to the end of the hold, both read after a full
 * garbage collection (forced through the V8 inspector) so the figure is what
 * the sockets keep alive; the growth without that collection, which includes
 * the garbage of the connect burst V8 has not yet reclaimed, is reported too.
 */
import { MiB, settledRss } from "../process.ts";
import { collectGarbage } from "../profile.ts";
import { progress } from "../report.ts";
import { type BenchServer } from "../server.ts";
import { connect, type Context, enroll, figure, profiled, withProcesses } from "../scenario.ts";

const NAME = "connections";

async function rssAfterGc(server: BenchServer): Promise<number> {
  if (!server.inspector) throw new Error("The server runs without the inspector");
  await collectGarbage(server.inspector);
  return await settledRss(server.pid, 10_000);
}

export async function runConnections(ctx: Context): Promise<void> {
  const n = ctx.scale.agents;
  await withProcesses(ctx, { connections: n, inspect: true }, async (p) => {
    await enroll(p, n);
    await p.server.restart();
    await settledRss(p.server.pid);
    const before = await rssAfterGc(p.server);
    const connectMs = await profiled(ctx, p.server, "connections-connect", () => connect(p, n));
    progress(`holding ${n} sockets for ${ctx.scale.holdMs / 1000} s`);
    const held = await p.load.call("hold", { ms: ctx.scale.holdMs }, ctx.scale.holdMs + 60_000);
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
    await p.load.call("closeAll", {}, 60_000);
  });
}
