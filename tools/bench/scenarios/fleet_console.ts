/**
 * fleet_console: the admin console at fleet scale. Seeds computers straight
 * through SQL (10,000 first, for the page; then up to 100,000 for the API),
 * 5 versions and an open error on every 13th, marks a version stable, then
 * (after VACUUM ANALYZE, as autovacuum would leave the table):
 * 1. the fleet page's first render in Chromium with 10,000 computers (sign-in
 *    done, navigation to the table and version distribution drawn), median of 5;
 * 2. `GET /api/admin/computers?limit=50` with each filter and each sort, p99
 *    over sequential requests on one keep-alive connection;
 * 3. `GET /api/admin/fleet/summary` p99.
 * The targets hold for PostgreSQL (BENCH_DATABASE_URL) on a quiet machine.
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { buildWeb } from "../../build_web.ts";
import { makeBenchPackage } from "../packages.ts";
import { percentile, progress } from "../report.ts";
import { type Context, figure, withProcesses } from "../scenario.ts";
import { seedServerFleet } from "../seed_fleet.ts";
import { type BenchServer, markStable, uploadPackage } from "../server.ts";

const NAME = "fleet_console";
const VERSIONS = ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0-beta.1"];
const GROUPS = ["canary", "office", "warehouse"];
const CHROMIUM = "/usr/bin/chromium";

/** Every filter of the list alone, and each sort, at a page of 50. */
const LIST_QUERIES = [
  "",
  "search=c0042",
  "status=online",
  "status=offline",
  "version=1.2.0",
  "group=canary",
  "updating=true",
  "outdated=true",
  "has_errors=true",
  "sort=agent_version&order=desc",
  "sort=last_seen",
];

async function timeRequests(server: BenchServer, path: string, count: number): Promise<number[]> {
  const times: number[] = [];
  const headers = { authorization: `Bearer ${server.adminToken}` };
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await fetch(`${server.url}${path}`, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    times.push(performance.now() - t0);
  }
  return times;
}

async function measureFirstRender(server: BenchServer, runs: number): Promise<number[]> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/admin/login`);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("bench-password-123");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("table.fleet-table tbody tr").first().waitFor({ timeout: 60_000 });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      await page.goto("about:blank");
      const t0 = performance.now();
      await page.goto(`${server.url}/admin/computers`);
      await page.locator("table.fleet-table tbody tr").nth(49).waitFor({ timeout: 60_000 });
      await page.locator(".dist-bar [data-version]").first().waitFor({ timeout: 60_000 });
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await browser.close();
  }
}

export async function runFleetConsole(ctx: Context): Promise<void> {
  // 100,000 on a full run, 10,000 with --quick, a few hundred in the smoke test.
  const total = ctx.scale.agents * 10;
  const samples = ctx.scale.quick ? 20 : 200;
  await withProcesses(ctx, { connections: 10 }, async (p) => {
    const pkg = await makeBenchPackage(ctx.workDir, "1.2.0", 1024);
    await markStable(p.server, (await uploadPackage(p.server, pkg.path, "1.2.0")).record.id);
    const first = Math.min(10_000, total);
    await seedServerFleet(p.server, { count: first, versions: VERSIONS, groups: GROUPS });
    progress(`seeded ${first} computers`);

    if (existsSync(CHROMIUM)) {
      await buildWeb();
      const times = await measureFirstRender(p.server, 5);
      figure(ctx, NAME, {
        name: "fleet_page_first_render_10k",
        value: percentile(times, 50),
        unit: "ms",
        target: { op: "<=", limit: 1000 },
        note: "Chromium, signed in, to 50 rows and the version bar; median of 5",
      });
    } else progress(`${CHROMIUM} missing: no first-render figure`);

    if (total > first) {
      await seedServerFleet(p.server, {
        count: total - first,
        versions: VERSIONS,
        groups: GROUPS,
        prefix: "b",
        vacuum: true,
      });
      progress(`seeded ${total} computers in all`);
    }
    for (const query of LIST_QUERIES) {
      const path = `/api/admin/computers?limit=50${query ? `&${query}` : ""}`;
      await timeRequests(p.server, path, 3); // warm the plan cache and the page cache
      const times = await timeRequests(p.server, path, samples);
      figure(ctx, NAME, {
        name: `list_p99${query ? `_${query.replace(/[=&]/g, "_")}` : ""}`,
        value: percentile(times, 99),
        unit: "ms",
        target: { op: "<=", limit: 50 },
        note: `${total} computers, limit=50, ${samples} sequential requests`,
      });
    }
    await timeRequests(p.server, "/api/admin/fleet/summary", 3);
    const times = await timeRequests(p.server, "/api/admin/fleet/summary", samples);
    figure(ctx, NAME, {
      name: "summary_p99",
      value: percentile(times, 99),
      unit: "ms",
      target: { op: "<=", limit: 200 },
      note: `${total} computers, ${samples} sequential requests`,
    });
  });
}
