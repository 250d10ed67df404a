/**
 * The Agent's decisions with its connections replaced: a server that answers
 * from a script and records what it was asked, a notice channel the test
 * pushes into, and outboxes (the real ones, on files in a temp folder) whose
 * deliveries go to a recorder that can play a dead server.
 */
import assert from "node:assert/strict";
import type { ErrorReport, UpdateInfo, UpdateStatusReport } from "../../protocol/mod.ts";
import { ConfigFile } from "../config.ts";
import { AgentLock } from "../lock.ts";
import { Logger } from "../log.ts";
import type { DownloadResult } from "../net/download.ts";
import type { NoticeListener } from "../net/ws_client.ts";
import { Outbox, type SendResult } from "../outbox.ts";
import { type AgentPaths, agentPaths } from "../paths.ts";
import { UpdateStatusReporter } from "../update/update_status.ts";
import { VERSION } from "../version.ts";
import { Agent, type AgentServer, type NoticeChannel } from "./agent.ts";
import { AgentState } from "./agent_state.ts";

const NEWER = "99.0.0";

/** Answers update checks from `offers` (then null) and fails every download, recording both. */
class ScriptedServer implements AgentServer {
  readonly checks: string[] = [];
  readonly downloads: string[] = [];
  constructor(readonly offers: (UpdateInfo | null)[]) {}

  checkForUpdate(currentVersion: string): Promise<UpdateInfo | null> {
    this.checks.push(currentVersion);
    return Promise.resolve(this.offers.shift() ?? null);
  }

  downloadFile(url: string): Promise<DownloadResult> {
    this.downloads.push(url);
    return Promise.reject(new Error("connection refused"));
  }
}

/** Takes deliveries while `up`, else answers as a server that cannot be reached. */
class Delivery<T> {
  up = true;
  attempts = 0;
  readonly delivered: T[] = [];
  send = (report: T): Promise<SendResult> => {
    this.attempts++;
    if (!this.up) return Promise.resolve("retry");
    this.delivered.push(report);
    return Promise.resolve("delivered");
  };
}

class PushedNotices implements NoticeChannel {
  listener: NoticeListener | null = null;
  closed = false;
  start(listener: NoticeListener): void {
    this.listener = listener;
  }
  close(): void {
    this.closed = true;
  }
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

function offer(version: string): UpdateInfo {
  return {
    version,
    download_url: `/api/agent/packages/agent-${version}.zip`,
    checksum_sha256: "a".repeat(64),
    file_size: 1024,
  };
}

interface Running {
  agent: Agent;
  log: Logger;
  paths: AgentPaths;
  server: ScriptedServer;
  notices: PushedNotices;
  errors: Delivery<ErrorReport>;
  statuses: Delivery<UpdateStatusReport>;
  errorReports: Outbox<ErrorReport>;
  exits: number[];
}

/** Starts an Agent on fakes in a temp folder, waits for its first check, stops it afterwards. */
async function withAgent(
  offers: (UpdateInfo | null)[],
  fn: (running: Running) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "agent-core-" });
  const paths = agentPaths(dir);
  const config = await ConfigFile.create(dir, {
    server_url: "http://127.0.0.1:9",
    agent_id: "a1",
    agent_token: "t1",
    current_version: VERSION,
  });
  const lock = new AgentLock(paths.lock);
  lock.acquire();
  const log = new Logger({ dir: paths.logDir });
  const server = new ScriptedServer([null, ...offers]);
  const errors = new Delivery<ErrorReport>();
  const statuses = new Delivery<UpdateStatusReport>();
  const errorReports = await Outbox.open({
    path: paths.outbox,
    log,
    agentVersion: VERSION,
    send: errors.send,
  });
  const updateStatus = await UpdateStatusReporter.open({
    outboxPath: paths.updateStatusOutbox,
    attemptPath: paths.updateStatusAttempt,
    send: statuses.send,
    log,
  });
  const notices = new PushedNotices();
  const exits: number[] = [];
  const agent = new Agent({
    paths,
    config,
    log,
    lock,
    server,
    errorReports,
    updateStatus,
    notices,
    exit: (code) => exits.push(code),
  });
  try {
    await agent.start();
    await until("the first check", () => checksDone(log) === 1);
    await fn({ agent, log, paths, server, notices, errors, statuses, errorReports, exits });
  } finally {
    await agent.gracefulShutdown(0);
    await Deno.remove(dir, { recursive: true });
  }
}

/** Checks that ran to their end, from the agent's log. */
const checksDone = (log: Logger): number =>
  Deno.readTextFileSync(log.path).split("\n").filter((l) => l.includes("No update available"))
    .length;

const storedReports = (paths: AgentPaths): ErrorReport[] =>
  Deno.readTextFileSync(paths.outbox).trim().split("\n").map((line) => JSON.parse(line));

Deno.test("Agent: a newer stable version pushed leads to a check and an update attempt", async () => {
  await withAgent([offer(NEWER)], async ({ agent, server, notices, errors, statuses }) => {
    assert.ok(notices.listener, "the agent listens for notices once started");
    notices.listener.onNewVersion({ new_stable_version: NEWER });
    await until(
      "the failed download reported and the agent idle again",
      () => errors.delivered.length === 1 && agent.state === AgentState.IDLE,
    );
    assert.deepEqual(server.checks, [VERSION, VERSION], "the notice made the agent ask");
    assert.deepEqual(server.downloads, [offer(NEWER).download_url]);
    const report = errors.delivered[0];
    assert.equal(report.error_type, "UpdateDownloadFailed");
    assert.equal(report.details?.target_version, NEWER);
    await until("the rollout told", () => statuses.delivered.some((s) => s.state === "failed"));
    assert.deepEqual(
      statuses.delivered.map((s) => [s.state, s.to_version, s.error_type]),
      [["downloading", NEWER, undefined], ["failed", NEWER, "UpdateDownloadFailed"]],
    );

    // Offered again at once: held back after the failure, so no second download.
    server.offers.push(offer(NEWER));
    await agent.handleNewVersionEvent({ new_stable_version: NEWER });
    assert.equal(server.checks.length, 3);
    assert.equal(server.downloads.length, 1, "a version that just failed is held back");
  });
});

Deno.test("Agent: a pushed version that is not newer does not reach the server", async () => {
  await withAgent([], async ({ agent, server }) => {
    for (const version of [VERSION, "0.0.1"]) {
      await agent.handleNewVersionEvent({ new_stable_version: version });
    }
    assert.deepEqual(server.checks, [VERSION], "only the check at start");
    assert.equal(agent.state, AgentState.IDLE);
  });
});

Deno.test("Agent: a report the server cannot take stays buffered on disk until a check gets through", async () => {
  await withAgent([], async ({ agent, log, paths, server, notices, errors, errorReports }) => {
    errors.up = false;
    assert.equal(await agent.reportErrorToBackend("DiskFull", "no space left"), true);
    await until("a delivery attempt", () => errors.attempts >= 1);
    assert.deepEqual(errorReports.pending.map((r) => r.error_type), ["DiskFull"]);
    assert.deepEqual(storedReports(paths).map((r) => r.error_type), ["DiskFull"]);

    // The server is back: a reconnect makes the agent check, and the buffer goes out.
    errors.up = true;
    notices.listener!.onConnected!(true);
    await until("the report delivered", () => errors.delivered.length === 1);
    await until("the check ended", () => checksDone(log) === 2);
    assert.equal(server.checks.length, 2, "a reconnect checks at once (a notice may be missed)");
    assert.equal(errors.delivered[0].message, "no space left");
    await until("the buffer emptied", () => errorReports.pending.length === 0);
  });
});

Deno.test("Agent: shutting down closes the notice channel and stops the outboxes", async () => {
  await withAgent([], async ({ agent, notices, exits }) => {
    await agent.gracefulShutdown(0);
    assert.equal(notices.closed, true);
    assert.equal(agent.state, AgentState.STOPPED);
    assert.deepEqual(exits, [0]);
  });
});
