/**
 * A computer's update history in the browser shows a real update. Starts: a
 * server process, a real portable agent installed at 1.0.0 (enrolled, running,
 * online), the page build and headless Chromium. 1.1.0 is uploaded and marked
 * stable; the agent downloads it, hands over to the updater and comes back
 * healthy at 1.1.0; its computer page then lists the attempt 1.0.0 → 1.1.0 as
 * succeeded, with a duration, and the fleet view shows 1.1.0 as its version.
 */
import assert from "node:assert/strict";
import { buildWeb } from "../tools/build_web.ts";
import { setUpE2E, withLogs } from "./helpers/e2e_setup.ts";
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  markStable,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";
import {
  HAS_CHROMIUM,
  launchChromium,
  screenshot,
  SKIP_REASON,
  waitForText,
} from "./web_browser.ts";

Deno.test({
  name: `a real agent's update shows in its computer page's history${
    HAS_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`
  }`,
  // The portable launchers are POSIX shell scripts.
  ignore: !HAS_CHROMIUM || Deno.build.os === "windows",
  async fn() {
    await buildWeb();
    const e2e = await setUpE2E({
      prefix: "history",
      versions: ["1.0.0", "1.1.0"],
      config: { ws_reconnect_max_s: 1, retry_max_s: 1 },
    });
    const browser = await launchChromium();
    try {
      const { server, agent } = e2e;
      const record = await uploadPackage(server, e2e.packages["1.1.0"].zipPath, "1.1.0");
      await markStable(server, record.id);
      await withLogs(agent, waitFor("1.1.0 health", () => agent.healthyAt("1.1.0"), 90_000));

      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(20_000);
      await page.goto(`${server.url}/admin/computers/${agent.computerId}`);
      await page.getByLabel("Username").fill(ADMIN_USERNAME);
      await page.getByLabel("Password").fill(ADMIN_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      const row = page.locator("table.update-history tbody tr").first();
      // The new agent reports `succeeded` once healthy, through its outbox; the page is live.
      await waitForText(row, "1.0.0 → 1.1.0", 30_000);
      await waitForText(row.locator('td[data-label="State"]'), "succeeded", 30_000);
      assert.match(await row.locator('td[data-label="Duration"]').innerText(), /^\d+ (s|min)/);
      await screenshot(page, "console-08-update-history");
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, "console-08-update-history-phone");
    } finally {
      await browser.close();
      await e2e.close();
    }
  },
});
