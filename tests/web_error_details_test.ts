/**
 * Issue 13, item 7 in a real browser: an error whose details nest 5,000 deep
 * (stored before the server refused such reports) no longer makes the computer
 * page throw and hide the computer's errors. Starts: the page build, the app
 * in-process on an in-memory PGlite (tests/helpers/test_app.ts, listening on a free
 * port, so the test can write the stored error directly) and headless Chromium.
 */
import assert from "node:assert/strict";
import type { ComputerError } from "../protocol/mod.ts";
import { insertComputerError } from "../server/db/computer_errors.ts";
import { makeTestApp, TEST_ADMIN_PASSWORD, TEST_ADMIN_USERNAME } from "./helpers/test_app.ts";
import { buildWeb } from "../tools/build_web.ts";
import {
  HAS_CHROMIUM,
  launchChromium,
  recordPage,
  screenshot,
  SKIP_REASON,
  waitForText,
} from "./web_browser.ts";

function storedError(message: string, details: Record<string, unknown>): ComputerError {
  return {
    id: crypto.randomUUID(),
    error_type: "UpdateGeneralFailure",
    error_message: message,
    error_details: details,
    reported_at: new Date().toISOString(),
    resolved: false,
    resolved_at: null,
    resolution_notes: null,
    report_id: null,
  };
}

Deno.test({
  name: `computer page shows every error despite details nested 5,000 deep${
    HAS_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`
  }`,
  ignore: !HAS_CHROMIUM,
  async fn() {
    await buildWeb();
    await using h = await makeTestApp();
    const url = await h.serve();
    const agent = await h.registerAgent("deep-pc");
    let deep: unknown = "the bottom";
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    await insertComputerError(
      h.db,
      agent.computerId,
      storedError("an ordinary failure", { attempt: 1 }),
      100,
    );
    await insertComputerError(
      h.db,
      agent.computerId,
      storedError("a report with deep details", { nested: deep }),
      100,
    );
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(15_000);
      const record = recordPage(page);
      await page.goto(`${url}/admin/login`);
      await page.getByLabel("Username").fill(TEST_ADMIN_USERNAME);
      await page.getByLabel("Password").fill(TEST_ADMIN_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await waitForText(page.getByRole("heading", { level: 1 }), "Fleet");
      await page.goto(`${url}/admin/computers/${agent.computerId}`);
      await page.getByText("an ordinary failure").waitFor();
      await page.getByText("a report with deep details").waitFor();
      const deepItem = page.locator("article.error-item", {
        hasText: "a report with deep details",
      });
      await deepItem.locator("summary", { hasText: "Details" }).click();
      await waitForText(deepItem.locator("pre.details").first(), /\{…\}/);
      await screenshot(page, "error-details-deep");
      assert.deepEqual(record.problems, []);
    } finally {
      await browser.close();
    }
  },
});
