/**
 * The commands the load process answers (see `load_process.ts` for the wire):
 * each scenario drives simulated agents through them step by step.
 */
import { maximum, percentile } from "../report.ts";
import { Fleet } from "./fleet.ts";
import { ReportFlood } from "./flood.ts";
import { downloadMany, measureRate } from "./http_load.ts";
import { sleep } from "./pool.ts";
import { Probe } from "./probe.ts";
import { encodeGet } from "./raw_http.ts";
import { Stampede } from "./stampede.ts";
import { compareVerify } from "./verify.ts";

let fleet: Fleet | null = null;
let stampede: Stampede | null = null;
let probe: Probe | null = null;
let flood: ReportFlood | null = null;
let urlProbe: Probe | null = null;

function needFleet(): Fleet {
  if (!fleet) throw new Error("no fleet: call enroll first");
  return fleet;
}

export const commands = {
  /** Enrolls `count` agents on `server`. */
  enroll(a: { server: string; token: string; count: number; concurrency: number }) {
    fleet = new Fleet(a.server);
    return fleet.enroll(a.token, a.count, a.concurrency);
  },

  /** Opens the WebSocket of every enrolled agent. */
  connect(a: { concurrency: number }) {
    return needFleet().connect(a.concurrency);
  },

  /** Waits up to `timeoutMs` for `count` sockets to be open (dropped ones reconnect). */
  async awaitOpen(a: { count: number; timeoutMs: number }) {
    const f = needFleet();
    const deadline = Date.now() + a.timeoutMs;
    while (f.openCount() < a.count && Date.now() < deadline) await sleep(200);
    return { open: f.openCount(), drops: f.drops, reconnects: f.reconnects };
  },

  /**
   * The reconnects since `since` (wall ms): how many, when the last one
   * succeeded, the busiest second, and the failed handshakes by reason.
   */
  storm(a: { since: number }) {
    const f = needFleet();
    const times = f.reopenedAt.filter((t) => t >= a.since);
    const perSecond = new Map<number, number>();
    for (const t of times) {
      const s = Math.floor((t - a.since) / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    return Promise.resolve({
      reopened: times.length,
      first_ms: times.length ? times[0] - a.since : NaN,
      last_ms: times.length ? maximum(times) - a.since : NaN,
      busiest_second: perSecond.size ? maximum([...perSecond.values()]) : 0,
      per_second: Array.from(
        { length: perSecond.size ? maximum([...perSecond.keys()]) + 1 : 0 },
        (_, s) => perSecond.get(s) ?? 0,
      ),
      failures: Object.fromEntries(f.failures),
    });
  },

  /** Keeps the sockets open for `ms`; reports the ones that closed. */
  async hold(a: { ms: number }) {
    const f = needFleet();
    const deadline = Date.now() + a.ms;
    while (Date.now() < deadline) await sleep(Math.min(500, deadline - Date.now()));
    return { open: f.openCount(), drops: f.drops };
  },

  /** Waits until every open socket got the new-version event; times from `t0` (wall ms). */
  async awaitEvents(a: { t0: number; timeoutMs: number; raw?: boolean }) {
    const f = needFleet();
    const expected = f.openCount();
    const deadline = Date.now() + a.timeoutMs;
    while (f.received() < expected && Date.now() < deadline) await sleep(20);
    const delays = [...f.eventAt].filter((t) => !Number.isNaN(t)).map((t) => t - a.t0);
    f.resetEvents();
    return {
      expected,
      drops: f.drops,
      received: delays.length,
      p50_ms: percentile(delays, 50),
      p99_ms: percentile(delays, 99),
      max_ms: maximum(delays),
      /** Every delay, when asked (a group of load processes merges them). */
      delays: a.raw ? delays : undefined,
    };
  },

  /** Requests to `path` for `ms`; with `agentAuth`, as the enrolled agents in turn. */
  rate(
    a: { path: string; concurrency: number; ms: number; expectStatus: number; agentAuth: boolean },
  ) {
    const f = needFleet();
    const url = new URL(a.path, f.serverUrl);
    const requests = a.agentAuth
      ? f.creds.map((_, i) => encodeGet(url, f.headers(i)))
      : [encodeGet(url, {})];
    return measureRate(url, a.ms, a.concurrency, a.expectStatus, (worker, n) => {
      return requests[(n * a.concurrency + worker) % requests.length];
    });
  },

  /** `count` downloads of `url`, `concurrency` at once, with the first agent's headers. */
  downloads(a: { url: string; count: number; concurrency: number; bytes: number }) {
    const f = needFleet();
    return downloadMany(a.url, f.headers(0), a.count, a.concurrency, a.bytes);
  },

  /** Arms the stampede: from now on a new-version event starts each agent's update. */
  stampedeArm(_: Record<string, never>) {
    stampede = new Stampede(needFleet());
    return Promise.resolve({ armed: true });
  },

  stampedeFinish(a: { t0: number; timeoutMs: number }) {
    if (!stampede) throw new Error("stampede not armed");
    return stampede.finish(a.t0, a.timeoutMs);
  },

  /** Every enrolled agent starts asking `path` in a loop, pausing `pauseMs` between requests. */
  probeStart(a: { path: string; pauseMs: number }) {
    probe = Probe.forFleet(needFleet(), a.path, a.pauseMs);
    return Promise.resolve({ probing: true });
  },

  probeStop(a: { t0: number }) {
    if (!probe) throw new Error("no probe running");
    return probe.stop(a.t0);
  },

  /** Enrolled agent `agent` floods report-error with `bytes`-byte reports on `concurrency` connections. */
  floodStart(a: { agent: number; concurrency: number; bytes: number }) {
    flood = new ReportFlood(needFleet(), a.agent, a.concurrency, a.bytes);
    return Promise.resolve({ flooding: true });
  },

  floodStop(_: Record<string, never>) {
    if (!flood) throw new Error("no flood running");
    return flood.stop();
  },

  /** Times `GET url` with `headers` (e.g. the admin list as an admin) until stopped. */
  urlProbeStart(a: { url: string; headers: Record<string, string>; pauseMs: number }) {
    const url = new URL(a.url);
    urlProbe = new Probe(url, [encodeGet(url, a.headers)], a.pauseMs);
    return Promise.resolve({ probing: true });
  },

  urlProbeStop(a: { t0: number }) {
    if (!urlProbe) throw new Error("no URL probe running");
    return urlProbe.stop(a.t0);
  },

  verify(a: { path: string; rounds: number }) {
    return compareVerify(a.path, a.rounds);
  },

  async closeAll(_: Record<string, never>) {
    await fleet?.closeAll();
    return { closed: true };
  },
};

export type Commands = typeof commands;
