/**
 * `deno task bench [--quick] [scenario ...]`: runs the fleet-scale scenarios
 * (all of them when none is named), each with its own server process and load
 * process. Every figure is printed as one JSON line on stdout as soon as it is
 * measured, then all of them as a table next to their targets. Exits 1 when a
 * scenario fails to run; a missed target is reported, not an error.
 */
import { parseArgs } from "node:util";
import { progress, Report } from "./report.ts";
import { type Context, FULL, QUICK, type Scenario } from "./scenario.ts";
import { SCENARIOS } from "./scenarios/mod.ts";

const USAGE = `Usage: deno task bench [--quick] [--agents N] [scenario ...]
Scenarios: ${SCENARIOS.map((s) => s.name).join(", ")} (default: all, in this order)
  --quick     a short run (1,000 agents, seconds per phase, smaller files)
  --agents N  override the number of WebSocket agents (10,000; 20,000 in balancer)
  --hold S    seconds connections holds every socket open (60; 5 with --quick)
  --profile   record the server's CPU in each measured phase (.cpuprofile + top functions)
Set BENCH_DATABASE_URL=postgres://... to run each server on a fresh PostgreSQL database.`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      agents: { type: "string" },
      hold: { type: "string" },
      profile: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = positionals.filter((p) => !SCENARIOS.some((s) => s.name === p));
  if (unknown.length > 0) {
    console.error(`Unknown scenario "${unknown[0]}"\n${USAGE}`);
    return 2;
  }
  const chosen: Scenario[] = positionals.length === 0
    ? SCENARIOS
    : SCENARIOS.filter((s) => positionals.includes(s.name));
  const scale = { ...(values.quick ? QUICK : FULL) };
  if (values.agents !== undefined) scale.agents = scale.balancerAgents = Number(values.agents);
  if (!Number.isInteger(scale.agents) || scale.agents < 1) {
    console.error(`--agents must be a positive whole number, got "${values.agents}"`);
    return 2;
  }
  if (values.hold !== undefined) {
    const seconds = Number(values.hold);
    if (!Number.isInteger(seconds) || seconds < 1) {
      console.error(`--hold must be a positive whole number of seconds, got "${values.hold}"`);
      return 2;
    }
    scale.holdMs = seconds * 1000;
  }

  const ctx: Context = {
    scale,
    report: new Report(),
    workDir: await Deno.makeTempDir({ prefix: "hangar-bench-" }),
    profileDir: values.profile
      ? await Deno.makeTempDir({ prefix: "hangar-bench-profiles-" })
      : null,
  };
  const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1];
  const database = Deno.env.get("BENCH_DATABASE_URL")
    ? "PostgreSQL (BENCH_DATABASE_URL)"
    : "embedded PGlite";
  const machine = `${navigator.hardwareConcurrency} CPUs (${cpu}), ` +
    `${
      (Deno.systemMemoryInfo().total / 1024 ** 3).toFixed(1)
    } GiB RAM, Linux ${Deno.osRelease()}, ` +
    `Deno ${Deno.version.deno}, database: ${database}`;
  const started = new Date().toISOString();
  progress(`${scale.quick ? "quick" : "full"} run on ${machine}`);
  let failed = 0;
  // The machine's state during the run: the bench's own processes make most of this load.
  const loads: number[] = [];
  const sampleLoad = async () =>
    loads.push(Number((await Deno.readTextFile("/proc/loadavg").catch(() => "NaN")).split(" ")[0]));
  await sampleLoad();
  const sampler = setInterval(sampleLoad, 10_000);
  try {
    for (const scenario of chosen) {
      progress(`scenario ${scenario.name}`);
      const t0 = performance.now();
      try {
        await scenario.run(ctx);
      } catch (error) {
        failed++;
        progress(`scenario ${scenario.name} FAILED: ${(error as Error).stack ?? error}`);
      }
      progress(
        `scenario ${scenario.name} took ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    }
  } finally {
    clearInterval(sampler);
    await Deno.remove(ctx.workDir, { recursive: true }).catch(() => {});
  }
  const sorted = loads.filter(Number.isFinite).sort((a, b) => a - b);
  const loadNote = sorted.length === 0
    ? ""
    : `; 1-minute load average during the run ${sorted[0].toFixed(1)}–${
      sorted[sorted.length - 1].toFixed(1)
    } (median ${
      sorted[sorted.length >> 1].toFixed(1)
    }, every 10 s, the bench's own processes included)`;
  console.log(
    `\n${scale.quick ? "Quick" : "Full"} run started ${started} on ${machine}${loadNote}\n`,
  );
  console.log(ctx.report.table());
  const missed = ctx.report.figures.filter((f) => f.ok === false).length;
  console.log(
    `\n${ctx.report.figures.length} figures, ${missed} missed targets, ${failed} scenarios failed`,
  );
  return failed > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
