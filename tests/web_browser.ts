/**
 * Browser-test support: launches Debian's Chromium through playwright-core,
 * saves screenshots under test-artifacts/screenshots/, records what the page
 * logged and every URL it requested, and connects a test agent over the agent
 * WebSocket so it shows online.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { AGENT_ID_HEADER, AGENT_TOKEN_HEADER } from "../protocol/mod.ts";
import { fileURLToPath } from "node:url";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
export const SKIP_REASON = `${CHROMIUM_PATH} is missing (apt-get install chromium; CI installs it)`;

const SCREENSHOTS = fileURLToPath(new URL("../test-artifacts/screenshots/", import.meta.url));

/**
 * Headless Chromium with nothing that phones home. Playwright gives each launch
 * a fresh temporary profile (--user-data-dir) and removes it on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What a page did that a test wants to check afterwards. */
export interface PageRecord {
  /** Console errors and uncaught exceptions, except failed requests the test expects. */
  problems: string[];
  /** Every URL the page requested. */
  requests: string[];
}

export function recordPage(page: Page): PageRecord {
  const record: PageRecord = { problems: [], requests: [] };
  page.on("console", (msg) => {
    // Chromium logs every non-2xx API reply, and a live socket refused for want of a
    // session; the tests cause 401s and a 409 on purpose.
    const expected = msg.text().startsWith("Failed to load resource") ||
      /WebSocket connection to .* failed: HTTP Authentication failed/.test(msg.text());
    if (msg.type() === "error" && !expected) {
      record.problems.push(msg.text());
    }
  });
  page.on("pageerror", (error) => record.problems.push(`uncaught: ${error.message}`));
  page.on("request", (request) => record.requests.push(request.url()));
  return record;
}

/**
 * Deno's WebSocket takes handshake headers as `{ headers }`; the DOM library in
 * this project's compiler options only knows the browser's signature.
 */
const DenoWebSocket = WebSocket as unknown as new (
  url: string,
  options: { headers: Record<string, string> },
) => WebSocket;

/** Connects as an enrolled agent, the way the agent does, and waits until the socket is open. */
export async function connectAgent(
  serverUrl: string,
  credentials: { agent_id: string; agent_token: string },
): Promise<WebSocket> {
  const socket = new DenoWebSocket(`${serverUrl.replace(/^http/, "ws")}/api/agent/ws`, {
    headers: {
      [AGENT_ID_HEADER]: credentials.agent_id,
      [AGENT_TOKEN_HEADER]: credentials.agent_token,
    },
  });
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("The agent WebSocket did not open"));
  });
  return socket;
}

/** Closes a socket and waits for the close to finish, so the test leaks nothing. */
export async function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return;
  const closed = new Promise((resolve) => socket.addEventListener("close", resolve));
  socket.close();
  await closed;
}

/**
 * Retries `check` (which throws while the page is not there yet) until it
 * passes or `ms` run out; the last failure is the one reported.
 */
export async function eventually(check: () => Promise<void> | void, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (true) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The visible text of what `locator` finds, waiting at most a second for it to appear. */
export function textOf(locator: Locator): Promise<string> {
  return locator.first().innerText({ timeout: 1_000 });
}

/** Waits until what `locator` finds shows `expected` (a substring, or a pattern). */
export function waitForText(locator: Locator, expected: string | RegExp, ms = 10_000) {
  return eventually(async () => {
    const text = await textOf(locator);
    if (typeof expected === "string") {
      assert.ok(text.includes(expected), `Expected "${expected}" in "${text}"`);
    } else assert.match(text, expected);
  }, ms);
}

/** Waits until an input holds `expected`. */
export function waitForValue(locator: Locator, expected: string, ms = 10_000) {
  return eventually(async () => {
    assert.equal(await locator.inputValue({ timeout: 1_000 }), expected);
  }, ms);
}
