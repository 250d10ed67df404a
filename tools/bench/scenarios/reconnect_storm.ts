/**
 * reconnect_storm (issue 17, item 2): the server restarts with the whole
 * fleet connected. The stopping server closes every socket with 1012 "Service
 * Restart" and every agent reconnects with the agent's `reconnectDelay`; the figure
 * is how long after the server answers again until every socket is open and
 * the admin list shows every computer online. A connect's `last_seen_at` and
 * presence writes are queued and written in batches (LastSeenWriter, presence
 * batches in live_updates.ts) and first authentications read credentials in
 * batches (AgentAuth), so the handshake rate is not capped by statements per
 * socket. The fleet is held by several load processes (one per 9,000 agents,
 * at least two), since one load process spends as much CPU per handshake as
 * the server; the server's CPU per handshake is reported beside the rate.
 */
import { loadsFor } from "../load_group.ts";
import { cpuSeconds } from "../process.ts";
import { progress } from "../report.ts";
import { connect, type Context, enroll, figure, wallMs, withProcesses } from "../scenario.ts";

const NAME = "reconnect_storm";

/**
 * Computers the admin list counts as offline: an exact count, or null while the list
 * only estimates it (`X-Total-Count-Estimated`, above 1,000 matches on a large fleet).
 */
async function offlineCount(url: string, token: string): Promise<number | null> {
  const res = await fetch(`${url}/api/admin/computers?status=offline&limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await res.body?.cancel();
  if (!res.ok || res.headers.get("x-total-count-estimated") === "true") return null;
  return Number(res.headers.get("x-total-count") ?? NaN);
}

export async function runReconnectStorm(ctx: Context): Promise<void> {
  const n = ctx.scale.agents;
  const loads = Math.max(2, loadsFor(n));
  await withProcesses(ctx, { connections: n, loads }, async (p) => {
    await enroll(p, n);
    await connect(p, n);
    progress(`restarting the server with ${n} agents connected`);
    const stopped = wallMs();
    await p.server.restart();
    const up = wallMs();
    const cpuAtUp = await cpuSeconds(p.server.pid);
    const open = await p.group.awaitOpen(n, 120_000);
    const allOpen = wallMs();
    const cpuAtAllOpen = await cpuSeconds(p.server.pid);
    let offline: number | null = null;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      offline = await offlineCount(p.server.url, p.server.adminToken);
      if (offline === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const allOnline = wallMs();
    const storm = await p.group.storm(stopped);
    const downS = (up - stopped) / 1000;
    const r = p.server.lastRestart;
    progress(
      `server down for ${downS.toFixed(1)} s (stop ${r?.stopMs.toFixed(0)} ms` +
        `${r?.killed ? ", SIGKILL after 5 s" : ""}, start ${r?.startMs.toFixed(0)} ms); ` +
        `reopened per second from the stop: ${storm.per_second.join(" ")}; ` +
        `failed handshakes ${JSON.stringify(storm.failures)}`,
    );
    const spanS = (storm.last_ms - storm.first_ms) / 1000;
    const errors5xx = Object.entries(storm.failures)
      .filter(([reason]) => /^HTTP 5/.test(reason))
      .reduce((sum, [, count]) => sum + count, 0);
    // Handshakes the server answered after it was up (some reopened on the stopping server).
    const afterUp = Math.max(
      1,
      storm.reopened - storm.per_second
        .slice(0, Math.floor(downS)).reduce((s, v) => s + v, 0),
    );
    const cpuUs = (cpuAtAllOpen - cpuAtUp) * 1e6 / afterUp;
    figure(ctx, NAME, {
      name: "reconnected",
      value: open.open,
      unit: "sockets",
      target: { op: ">=", limit: n },
      note: `${open.reconnects} reconnects after the restart, ${loads} load processes`,
    });
    figure(ctx, NAME, {
      name: "all_back_s",
      value: (allOpen - up) / 1000,
      unit: "s",
      target: { op: "<=", limit: 15 },
      note: `server answering again → every socket open; the server was down ${
        downS.toFixed(1)
      } s; after its 1012 "Service Restart" close agents retry every 0.5–2 s (reconnectDelay)`,
    });
    figure(ctx, NAME, {
      name: "all_shown_online_s",
      value: (allOnline - up) / 1000,
      unit: "s",
      target: { op: "<=", limit: 15 },
      note: offline === 0
        ? `none of the ${n} offline in the admin list (an exact count)`
        : `still ${offline ?? "over 1,000 (estimated)"} offline in the admin list after 60 s`,
    });
    figure(ctx, NAME, {
      name: "handshake_rate",
      value: storm.reopened / Math.max(spanS, 0.001),
      unit: "sockets/s",
      target: { op: ">=", limit: 1500 },
      note: `${storm.reopened} sockets reopened between the first and the last reopen ` +
        `(${spanS.toFixed(1)} s; paced by the agents' backoff as much as by the server); ` +
        `busiest second ${storm.busiest_second}`,
    });
    figure(ctx, NAME, {
      name: "server_cpu_per_handshake",
      value: cpuUs,
      unit: "µs",
      note: `server CPU from answering again until all were open, over ${afterUp} handshakes: ` +
        `${(1e6 / cpuUs).toFixed(0)} handshakes per CPU-second (incl. first authentication, ` +
        `batched lookups, hub and presence)`,
    });
    figure(ctx, NAME, {
      name: "handshakes_5xx",
      value: errors5xx,
      unit: "replies",
      target: { op: "<=", limit: 0 },
      note: `failed handshakes: ${JSON.stringify(storm.failures)} (refused ones while the ` +
        `server was down)`,
    });
    await p.group.closeAll();
  });
}
