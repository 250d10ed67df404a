/**
 * The admin page in a real browser. Starts: the page build (tools/build_web.ts
 * into web/dist/), a real server process (tests/helpers/server_process.ts),
 * headless Chromium (playwright-core), and a test agent that enrolls, connects
 * over the agent WebSocket and reports an error. Screenshots of each page go to
 * test-artifacts/screenshots/.
 */
import assert from "node:assert/strict";
import { buildWeb } from "../tools/build_web.ts";
import { makePackage } from "./helpers/make_package.ts";
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  getComputerErrors,
  listComputers,
  registerAgent,
  startServer,
} from "./helpers/server_process.ts";
import {
  closeSocket,
  connectAgent,
  HAS_CHROMIUM,
  launchChromium,
  recordPage,
  screenshot,
  SKIP_REASON,
  waitForText,
  waitForValue,
} from "./web_browser.ts";

const VERSION = "1.4.0";

Deno.test({
  name: `admin page in Chromium${HAS_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`}`,
  ignore: !HAS_CHROMIUM,
  async fn(t) {
    await buildWeb();
    // A small size limit, so one step can see the page report a 413.
    const server = await startServer({ env: { PACKAGE_MAX_BYTES: "50000" } });
    const tmp = await Deno.makeTempDir({ prefix: "hangar-web-test-" });
    const browser = await launchChromium();
    let agentSocket: WebSocket | null = null;
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(10_000);
      const record = recordPage(page);
      const alert = page.getByRole("alert");
      // The steps build on each other: after a failure the rest are not run.
      let ok = true;
      const step = async (name: string, fn: () => Promise<void> | void) => {
        if (ok) ok = await t.step(name, fn);
      };
      const signIn = async () => {
        await page.getByLabel("Username").fill(ADMIN_USERNAME);
        await page.getByLabel("Password").fill(ADMIN_PASSWORD);
        await page.getByRole("button", { name: "Sign in" }).click();
      };

      await step("/ leads to the login page, which shows the server's error", async () => {
        await page.goto(`${server.url}/`);
        await page.waitForURL(/\/admin\/login/);
        await page.getByLabel("Username").fill(ADMIN_USERNAME);
        await page.getByLabel("Password").fill("wrong-password");
        await page.getByRole("button", { name: "Sign in" }).click();
        await waitForText(alert, /invalid|incorrect|wrong/i);
        await screenshot(page, "01-login");
      });

      await step("signing in opens the fleet view", async () => {
        await signIn();
        await waitForText(page.getByRole("heading", { level: 1 }), "Fleet");
        assert.match(page.url(), /\/admin\/computers$/);
      });

      const zipPath = `${tmp}/hangar-agent-${VERSION}.zip`;
      const made = await makePackage({
        version: VERSION,
        files: { agent: "#!/bin/sh\necho agent\n", updater: "#!/bin/sh\necho updater\n" },
      }, zipPath);

      await step("an uploaded package shows its row with the right checksum", async () => {
        await page.getByRole("link", { name: "Agent versions", exact: true }).click();
        await waitForText(page.getByRole("heading", { level: 1 }), "Agent versions");
        await page.getByLabel("Package (.zip)").setInputFiles(zipPath);
        // Pre-filled from the package's manifest.json, read in the browser.
        await waitForValue(page.getByLabel("Version", { exact: true }), VERSION);
        await page.getByLabel("Notes").fill("First release for the browser test");
        await page.getByRole("button", { name: "Upload", exact: true }).click();
        await waitForText(page.getByRole("status"), `Uploaded version ${VERSION}`);
        const row = page.locator(`tr[data-version="${VERSION}"]`);
        await waitForText(row.locator("code.hash"), `${made.sha256.slice(0, 12)}…`);
        assert.equal(await row.locator("code.hash").getAttribute("title"), made.sha256);
        await waitForText(row, "First release for the browser test");
        await screenshot(page, "02-agent-versions-uploaded");
      });

      /** What the server answers to this upload: the message the page must show. */
      const serverRefusal = async (file: string, version: string) => {
        const form = new FormData();
        form.append("version", version);
        form.append("file", new Blob([await Deno.readFile(file)]), "package.zip");
        const res = await fetch(`${server.url}/api/admin/agents/versions`, {
          method: "POST",
          headers: { authorization: `Bearer ${server.adminToken}` },
          body: form,
        });
        return { status: res.status, message: (await res.json()).error.message as string };
      };
      const bigZip = `${tmp}/big.zip`;
      await makePackage({
        version: "1.5.0",
        files: { agent: crypto.getRandomValues(new Uint8Array(60_000)), updater: "u" },
      }, bigZip);
      const refusals = [
        { what: "the same version again", file: zipPath, version: VERSION, status: 409 },
        {
          what: "a version its manifest does not name",
          file: zipPath,
          version: "1.4.1",
          status: 400,
        },
        { what: "a package over PACKAGE_MAX_BYTES", file: bigZip, version: "1.5.0", status: 413 },
      ];
      for (const { what, file, version, status } of refusals) {
        await step(`uploading ${what} shows the server's ${status} message`, async () => {
          const expected = await serverRefusal(file, version);
          assert.equal(expected.status, status);
          await page.getByLabel("Package (.zip)").setInputFiles(file);
          const versionField = page.getByLabel("Version", { exact: true });
          await waitForValue(versionField, file === bigZip ? "1.5.0" : VERSION);
          await versionField.fill(version);
          await page.getByRole("button", { name: "Upload", exact: true }).click();
          await waitForText(alert, `Upload failed: ${expected.message}`);
          await screenshot(page, `03-upload-refused-${status}`);
          await page.getByRole("button", { name: "Dismiss" }).click();
        });
      }

      await step("Mark stable asks first, then says agents are offered it", async () => {
        const row = page.locator(`tr[data-version="${VERSION}"]`);
        await row.getByRole("button", { name: "Mark stable" }).click();
        const dialog = page.getByRole("dialog");
        await waitForText(dialog, "Agents will start updating");
        await screenshot(page, "04-mark-stable-confirm");
        await dialog.getByRole("button", { name: "Mark stable" }).click();
        await waitForText(row.locator(".badge"), "Offered now");
        await waitForText(page.getByTestId("offered-now"), `Agents are offered ${VERSION}`);
        await row.getByRole("button", { name: "Unmark stable" }).waitFor();
        const versions = await (await fetch(`${server.url}/api/admin/agents/versions`, {
          headers: { authorization: `Bearer ${server.adminToken}` },
        })).json();
        assert.equal(
          versions.find((v: { version: string }) => v.version === VERSION).is_stable,
          true,
        );
      });

      const agent = await registerAgent(server, "web-test-pc", "1.3.0");

      await step("an enrolled agent shows up online with its version, live", async () => {
        await page.getByRole("link", { name: "Fleet", exact: true }).click();
        const row = page.locator(`tr[data-computer="web-test-pc"]`);
        await waitForText(row, "Offline");
        await page.getByText("Add a computer").click();
        await waitForText(
          page.locator("#enroll-command"),
          `agent enroll --server ${server.url} --token ${server.enrollmentToken}`,
        );
        agentSocket = await connectAgent(server.url, agent);
        // No reload: the page hears it over its WebSocket, or polls within 5 s.
        await waitForText(row, "Online", 7_000);
        await waitForText(row, "1.3.0");
        await screenshot(page, "05-computers");
        await page.setViewportSize({ width: 390, height: 844 });
        await screenshot(page, "05-computers-phone");
        await page.setViewportSize({ width: 1280, height: 800 });
      });

      await step("an error the agent reports appears and can be resolved", async () => {
        const res = await fetch(`${server.url}/api/agent/report-error`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "agent-id": agent.agent_id,
            "agent-token": agent.agent_token,
          },
          body: JSON.stringify({
            error_type: "UpdateChecksumMismatch",
            message: `Checksum mismatch for ${VERSION}`,
            timestamp: new Date().toISOString(),
            agent_version: "1.3.0",
            details: { expected_checksum: made.sha256, actual_checksum: "0".repeat(64) },
          }),
        });
        assert.equal(res.status, 204);

        await page.getByRole("link", { name: "web-test-pc" }).click();
        await waitForText(page.getByRole("heading", { level: 1 }), "web-test-pc");
        const item = page.locator(`article[data-error-type="UpdateChecksumMismatch"]`);
        await waitForText(item, `Checksum mismatch for ${VERSION}`);
        await item.getByText("Details").click();
        await waitForText(item.locator(".error-details"), made.sha256);
        await item.getByLabel("Resolution notes").fill("Re-uploaded the package");
        await screenshot(page, "06-computer-errors");
        await item.getByRole("button", { name: "Resolve" }).click();
        await waitForText(item, "Resolved");
        await waitForText(item, "Re-uploaded the package");
        const computer = (await listComputers(server)).find((c) => c.hostname === "web-test-pc")!;
        const [stored] = await getComputerErrors(server, computer.id);
        assert.equal(stored.resolved, true);
        assert.equal(stored.resolution_notes, "Re-uploaded the package");
        await screenshot(page, "07-computer-error-resolved");
      });

      await step("an expired session returns to the login page with a message", async () => {
        await page.context().clearCookies(); // what the browser does when the cookie expires
        await page.getByRole("link", { name: "Agent versions", exact: true }).click();
        await page.waitForURL(/\/admin\/login/);
        await waitForText(
          page.getByRole("status"),
          "Your session has expired, please sign in again",
        );
        await screenshot(page, "08-session-expired");
        await signIn();
        await waitForText(page.getByRole("heading", { level: 1 }), "Agent versions");
      });

      await step("signing out ends access", async () => {
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL(/\/admin\/login/);
        const status = await page.evaluate(async () =>
          (await fetch("/api/admin/computers")).status
        );
        assert.equal(status, 401);
        await page.goto(`${server.url}/admin/agent-versions`);
        await page.waitForURL(/\/admin\/login/);
        await page.getByLabel("Password").waitFor();
      });

      await step("the page logged no errors and requested nothing from elsewhere", () => {
        assert.deepEqual(record.problems, []);
        const foreign = record.requests.filter((url) =>
          !url.startsWith(server.url) && !url.startsWith("data:")
        );
        assert.deepEqual(foreign, []);
      });
    } finally {
      if (agentSocket) await closeSocket(agentSocket);
      await browser.close();
      await server.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
