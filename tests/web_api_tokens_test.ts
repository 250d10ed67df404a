/**
 * The API tokens page in a real browser. Starts: the page build, a real server
 * process and headless Chromium. An admin creates a token (shown once, copied
 * from the page), a script uses it, the page shows when it was last used, and
 * revoking it on the page stops it at once. Then the API reference page
 * (`/api/docs`) renders with its own style sheet under the strict CSP.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { buildWeb } from "../tools/build_web.ts";
import { ADMIN_PASSWORD, ADMIN_USERNAME, startServer } from "./helpers/server_process.ts";
import {
  HAS_CHROMIUM,
  launchChromium,
  recordPage,
  screenshot,
  SKIP_REASON,
  waitForText,
} from "./web_browser.ts";

Deno.test({
  name: `API tokens page in Chromium${HAS_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`}`,
  ignore: !HAS_CHROMIUM,
  async fn(t) {
    await buildWeb();
    const server = await startServer();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(10_000);
      const record = recordPage(page);
      const useToken = async (token: string) => (await fetch(`${server.url}/api/admin/computers`, {
        headers: { authorization: `Bearer ${token}` },
      }).then(async (res) => (await res.body?.cancel(), res.status)));
      let token = "";

      await t.step("create a token: shown once, with its scopes", async () => {
        await page.goto(`${server.url}/admin/login`);
        await page.getByLabel("Username").fill(ADMIN_USERNAME);
        await page.getByLabel("Password").fill(ADMIN_PASSWORD);
        await page.getByRole("button", { name: "Sign in" }).click();
        await waitForText(page.getByRole("heading", { level: 1 }), "Fleet");
        await page.getByRole("link", { name: "API tokens" }).click();
        await waitForText(page.getByRole("heading", { level: 1 }), "API tokens");
        await page.getByText("No API tokens yet.").waitFor();
        await page.getByLabel("Name").fill("grafana");
        await page.getByRole("checkbox", { name: /fleet:read/ }).check();
        await page.getByLabel(/Expires after/).fill("30");
        await page.getByRole("button", { name: "Create token" }).click();
        token = (await page.locator("#new-token").textContent()) ?? "";
        assert.match(token, /^hgr_[A-Za-z0-9_-]{43}$/);
        await screenshot(page, "api-tokens-01-created");
        const row = page.getByRole("row", { name: /grafana/ });
        await waitForText(row, /fleet:read/);
        await waitForText(row, /never/); // not used yet
        await page.getByRole("button", { name: "I have copied it" }).click();
        assert.equal(await page.locator("#new-token").count(), 0, "the secret is gone");
        assert.ok(!(await page.content()).includes(token.slice(4)));
      });

      await t.step("a script uses it; the page shows its last use", async () => {
        assert.equal(await useToken(token), 200);
        await page.reload();
        await waitForText(page.getByRole("row", { name: /grafana/ }), /just now/);
      });

      await t.step("revoking it on the page stops it at once", async () => {
        await page.getByRole("row", { name: /grafana/ }).getByRole("button", { name: "Revoke" })
          .click();
        await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
        await waitForText(page.getByRole("status"), "Token “grafana” is revoked");
        await page.getByText("No API tokens yet.").waitFor();
        assert.equal(await useToken(token), 401);
        await screenshot(page, "api-tokens-02-revoked");
      });

      await t.step("the API reference page renders under the strict CSP", async () => {
        await page.goto(`${server.url}/api/docs`);
        await waitForText(page.getByRole("heading", { level: 1 }), "Hangar API");
        await page.locator("#post-api-admin-api-tokens").waitFor();
        const color = await page.locator(".method-post").first().evaluate((el) =>
          getComputedStyle(el).backgroundColor
        );
        assert.equal(color, "rgb(26, 127, 55)", "its style sheet applies");
        // The viewport only: a full-page shot of the long reference is slow on a busy machine.
        await page.screenshot({
          path: fileURLToPath(
            new URL("../test-artifacts/screenshots/api-docs.png", import.meta.url),
          ),
          timeout: 60_000,
        });
      });

      await t.step("the page logged no errors and requested nothing from elsewhere", () => {
        assert.deepEqual(record.problems, []);
        const foreign = record.requests.filter((url) => !url.startsWith(server.url));
        assert.deepEqual(foreign, []);
      });
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});
