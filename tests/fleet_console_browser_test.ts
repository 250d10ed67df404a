/**
 * The fleet console in a real browser, on a server seeded with 10,000
 * computers across 5 versions. Starts: the page build, a real server process
 * (PostgreSQL when DATABASE_URL is set, else its embedded database), headless
 * Chromium (playwright-core). Checks the page against the API: the version
 * distribution against the summary, each filter and sort against the list,
 * paging to the last computer; then the errors inbox, the audit log and the
 * computer page. Screenshots of every page at 1280x800 and 390x844 go to
 * test-artifacts/screenshots/console-*.png.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { AuditEntry, ComputerSummary, FleetSummary } from "../protocol/mod.ts";
import { buildWeb } from "../tools/build_web.ts";
import { makePackage } from "./helpers/make_package.ts";
import { seedServerFleet } from "../tools/bench/seed_fleet.ts";
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  markStable,
  registerAgent,
  startServer,
  type TestServer,
  uploadPackage,
} from "./helpers/server_process.ts";
import {
  eventually,
  HAS_CHROMIUM,
  launchChromium,
  recordPage,
  screenshot,
  SKIP_REASON,
  waitForText,
} from "./web_browser.ts";

const COUNT = 10_000;
const VERSIONS = ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0-beta.1"];
const STABLE = "1.2.0";
const GROUPS = ["canary", "office", "warehouse"];

async function api<T>(server: TestServer, path: string): Promise<{ data: T; headers: Headers }> {
  const res = await fetch(`${server.url}/api/admin${path}`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return { data: await res.json(), headers: res.headers };
}

/** The hostnames in the table, top to bottom. */
function tableHosts(page: Page): Promise<string[]> {
  return page.locator("table.fleet-table tbody tr").evaluateAll((rows) =>
    rows.map((r) => (r as HTMLElement).dataset.computer ?? "")
  );
}

/** Waits until the table shows the API's first page for `query`. */
async function expectTableMatches(server: TestServer, page: Page, query: string): Promise<void> {
  const { data, headers } = await api<ComputerSummary[]>(server, `/computers?${query}&limit=50`);
  await eventually(async () => {
    assert.deepEqual(await tableHosts(page), data.map((c) => c.hostname), query);
    const count = await page.getByTestId("result-count").innerText();
    assert.ok(
      count.includes(Number(headers.get("x-total-count")).toLocaleString("en-US")),
      `${query}: "${count}"`,
    );
  }, 20_000);
}

async function shoot(page: Page, name: string): Promise<void> {
  await screenshot(page, `console-${name}`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `console-${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

Deno.test({
  name: `fleet console in Chromium on 10,000 computers${
    HAS_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`
  }`,
  ignore: !HAS_CHROMIUM,
  async fn(t) {
    await buildWeb();
    const server = await startServer();
    const tmp = await Deno.makeTempDir({ prefix: "hangar-console-test-" });
    const browser = await launchChromium();
    try {
      await seedServerFleet(server, { count: COUNT, versions: VERSIONS, groups: GROUPS });
      const zip = `${tmp}/hangar-agent-${STABLE}.zip`;
      await makePackage({ version: STABLE, files: { agent: "a", updater: "u" } }, zip);
      await markStable(server, (await uploadPackage(server, zip, STABLE)).id);

      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(20_000);
      const record = recordPage(page);
      let ok = true;
      const step = async (name: string, fn: () => Promise<void>) => {
        if (ok) ok = await t.step(name, fn);
      };

      await step("signing in lands on the fleet view", async () => {
        await page.goto(`${server.url}/admin/`);
        await page.getByLabel("Username").fill(ADMIN_USERNAME);
        await page.getByLabel("Password").fill(ADMIN_PASSWORD);
        await page.getByRole("button", { name: "Sign in" }).click();
        await waitForText(page.getByRole("heading", { level: 1 }), "Fleet");
        await page.locator("table.fleet-table tbody tr").first().waitFor();
      });

      await step("the version distribution matches the summary API", async () => {
        const { data: summary } = await api<FleetSummary>(server, "/fleet/summary");
        assert.equal(summary.total, COUNT);
        const shown = await page.locator(".dist-bar [data-version]").evaluateAll((segs) =>
          segs.map((
            s,
          ) => [(s as HTMLElement).dataset.version, Number((s as HTMLElement).dataset.count)])
        );
        assert.deepEqual(shown, summary.by_version.map((v) => [v.version, v.count]));
        const stat = (id: string) => page.getByTestId(id).locator(".stat-value").innerText();
        assert.equal(await stat("stat-outdated"), summary.outdated.toLocaleString("en-US"));
        assert.equal(await stat("stat-with-errors"), summary.with_errors.toLocaleString("en-US"));
        assert.equal(
          await stat("stat-on-stable"),
          summary.by_version.find((v) => v.version === STABLE)!.count.toLocaleString("en-US"),
        );
        await expectTableMatches(server, page, "");
        await shoot(page, "01-fleet");
      });

      await step("each filter gives the API's rows, and lives in the URL", async () => {
        const filters: [string, () => Promise<unknown>][] = [
          ["status=offline", () => page.locator("select[name=status]").selectOption("offline")],
          ["version=1.1.0", () => page.locator("select[name=version]").selectOption("1.1.0")],
          ["outdated=true", () => page.getByLabel("Outdated", { exact: true }).check()],
          ["has_errors=true", () => page.getByLabel("Has errors", { exact: true }).check()],
          ["search=C0012", () => page.getByRole("searchbox").fill("C0012")],
        ];
        for (const [query, apply] of filters) {
          await page.goto(`${server.url}/admin/computers`);
          await page.locator("table.fleet-table tbody tr").first().waitFor();
          await apply();
          await eventually(() => assert.ok(page.url().includes(query), page.url()));
          await expectTableMatches(server, page, query);
        }
        // A bookmarked view opens as it was shared.
        await page.goto(`${server.url}/admin/computers?version=1.0.0&has_errors=true`);
        await expectTableMatches(server, page, "version=1.0.0&has_errors=true");
        assert.equal(await page.locator("select[name=version]").inputValue(), "1.0.0");
        await shoot(page, "02-fleet-filtered");
      });

      await step("each sort, both ways, gives the API's order", async () => {
        await page.goto(`${server.url}/admin/computers`);
        for (const sort of ["agent_version", "last_seen", "hostname"]) {
          await page.locator(`button[data-sort="${sort}"]`).click();
          await expectTableMatches(server, page, `sort=${sort}&order=asc`);
          await page.locator(`button[data-sort="${sort}"]`).click();
          await expectTableMatches(server, page, `sort=${sort}&order=desc`);
        }
      });

      await step("paging through a filtered view reaches its last computer", async () => {
        const query = "version=2.0.0-beta.1&has_errors=true";
        const all = (await api<ComputerSummary[]>(server, `/computers?${query}`)).data;
        assert.ok(all.length > 50, "more than one page");
        await page.goto(`${server.url}/admin/computers?${query}`);
        const seen: string[] = [];
        for (let n = 0; n < 20; n++) {
          await eventually(async () => {
            const hosts = await tableHosts(page);
            assert.equal(hosts[0], all[seen.length].hostname);
          });
          seen.push(...await tableHosts(page));
          const next = page.getByRole("button", { name: "Next" });
          if (await next.isDisabled()) break;
          await next.click();
        }
        assert.deepEqual(seen, all.map((c) => c.hostname));
      });

      await step(
        "bulk-resolving 20 errors leaves 0 open; the audit log names the admin",
        async () => {
          const agents = [
            await registerAgent(server, "pc-errors-1", "1.1.0"),
            await registerAgent(server, "pc-errors-2", "1.1.0"),
          ];
          for (let n = 0; n < 20; n++) {
            const agent = agents[n % 2];
            const res = await fetch(`${server.url}/api/agent/report-error`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "agent-id": agent.agent_id,
                "agent-token": agent.agent_token,
              },
              body: JSON.stringify({
                error_type: "UpdateChecksumMismatch",
                message: `Checksum mismatch for 1.2.0 (${n})`,
                timestamp: new Date().toISOString(),
                agent_version: "1.1.0",
                stack_trace: "Error: checksum\n    at verify (verify.ts:10)\n    at run (run.ts:5)",
                details: {
                  expected_checksum: "a".repeat(64),
                  actual_checksum: "b".repeat(64),
                  file_size: 52_428_800,
                },
              }),
            });
            assert.equal(res.status, 204);
          }
          await page.getByRole("link", { name: "Errors", exact: true }).click();
          await waitForText(page.getByRole("heading", { level: 1 }), "Errors");
          await page.locator('.type-chips [data-error-type="UpdateChecksumMismatch"]').click();
          await waitForText(page.getByTestId("error-count"), "20 open errors");
          await page.locator(".error-item").first().getByText("Details").click();
          await shoot(page, "03-errors");
          await page.getByLabel(/Select all 20 open/).check();
          await page.getByLabel("Resolution note").fill("Mirror fixed");
          await page.getByRole("button", { name: "Resolve selected (20)" }).click();
          await waitForText(page.getByRole("status"), "Resolved 20 errors");
          await waitForText(page.getByTestId("error-count"), "0 open errors");
          const { headers } = await api<unknown[]>(
            server,
            "/errors?resolved=false&error_type=UpdateChecksumMismatch",
          );
          assert.equal(headers.get("x-total-count"), "0");
          await page.locator("select[name=state]").selectOption("resolved");
          await waitForText(
            page.locator(".error-item .resolution").first(),
            "by admin: Mirror fixed",
          );

          await page.getByRole("link", { name: "Audit log", exact: true }).click();
          await waitForText(page.getByRole("heading", { level: 1 }), "Audit log");
          await page.locator("select[name=action]").selectOption("error.resolve");
          const row = page.locator('tr[data-action="error.resolve"]').first();
          await waitForText(row, "admin");
          await waitForText(row, "count: 20");
          await page.locator("select[name=action]").selectOption("");
          await page.locator('tr[data-action="auth.sign_in"]').first().waitFor();
          await shoot(page, "04-audit");
        },
      );

      await step(
        "a rollout started on the page advances, halts live with its reason, is cancelled",
        async () => {
          const zip131 = `${tmp}/hangar-agent-1.3.1.zip`;
          await makePackage({ version: "1.3.1", files: { agent: "a", updater: "u" } }, zip131);
          await uploadPackage(server, zip131, "1.3.1");
          const canaries = [];
          for (let n = 0; n < 3; n++) {
            const res = await fetch(`${server.url}/api/agent/register`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "enrollment-token": server.enrollmentToken,
              },
              body: JSON.stringify({
                hostname: `pc-canary-${n}`,
                os: "windows",
                agent_version: "1.2.0",
                group: "canary",
              }),
            });
            assert.equal(res.status, 201);
            canaries.push(await res.json());
          }
          await page.getByRole("link", { name: "Rollouts", exact: true }).click();
          await waitForText(page.getByRole("heading", { level: 1 }), "Rollouts");
          // The defaults: the canary group, then 10%, 50%, 100%.
          assert.equal(await page.getByLabel("Stage 1 groups").inputValue(), "canary");
          assert.equal(await page.getByLabel("Stage 4 percent").inputValue(), "100");
          await shoot(page, "06-rollout-start");
          await page.getByRole("button", { name: "Start rollout" }).click();
          await waitForText(page.getByRole("heading", { level: 1 }), "Rollout of 1.3.1");
          await waitForText(page.locator(".rollout-status h2"), "Stage 1 of 4");

          await page.getByRole("button", { name: "Advance" }).click();
          await page.getByRole("dialog").getByRole("button", { name: "Advance" }).click();
          await waitForText(page.locator(".rollout-status h2"), "Stage 2 of 4");

          for (const agent of canaries) {
            const res = await fetch(`${server.url}/api/agent/update-status`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "agent-id": agent.agent_id,
                "agent-token": agent.agent_token,
              },
              body: JSON.stringify({
                attempt_id: crypto.randomUUID(),
                from_version: "1.2.0",
                to_version: "1.3.1",
                state: "failed",
                error_type: "UpdateLaunchFailed",
                message: "The new agent exited at once",
              }),
            });
            assert.equal(res.status, 204);
          }
          // No reload: the page hears admin:rollout_changed.
          await waitForText(page.getByTestId("halt-reason"), "Why:", 30_000);
          await shoot(page, "07-rollout-halted");
          await page.getByRole("button", { name: "Cancel rollout" }).click();
          await page.getByRole("dialog").getByRole("button", { name: "Cancel rollout" }).click();
          await waitForText(page.locator(".rollout-status h2"), "cancelled");
          const { data: audit } = await api<AuditEntry[]>(server, "/audit?limit=20");
          const actions = audit.map((e) => `${e.actor} ${e.action}`);
          for (
            const want of [
              "admin rollout.create",
              "admin rollout.advance",
              "system rollout.halt",
              "admin rollout.cancel",
            ]
          ) {
            assert.ok(actions.includes(want), `${want} in ${actions.join(", ")}`);
          }
        },
      );

      await step("the computer page shows the computer and its errors", async () => {
        await page.goto(`${server.url}/admin/computers?search=pc-errors-1`);
        await page.getByRole("link", { name: "pc-errors-1" }).click();
        await waitForText(page.getByRole("heading", { level: 1 }), "pc-errors-1");
        await page.locator(".error-item").first().waitFor();
        await shoot(page, "05-computer");
      });

      assert.deepEqual(record.problems, []);
    } finally {
      await browser.close();
      await server.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
