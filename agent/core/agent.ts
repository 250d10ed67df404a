/**
 * The agent: starts up (version reconcile, last update's result, error
 * buffer, WebSocket), checks for updates after authenticating and then
 * periodically, runs an update when told of a newer version, and shuts down
 * gracefully — for a signal or to hand over to the updater. It builds none of
 * its connections: `agent/run.ts` wires the HTTP client, the WebSocket and
 * the outboxes and passes them in (tests pass fakes).
 */
import { isNewerVersion } from "../../package/version.ts";
import type { ErrorReport, NewVersionPayload, UpdateInfo } from "../../protocol/mod.ts";
import { VERSION } from "../version.ts";
import { TRUSTED_KEYS } from "../trusted_keys.ts";
import { backoffDelay, jitter } from "../backoff.ts";
import type { ConfigFile } from "../config.ts";
import type { AgentLock } from "../lock.ts";
import type { Logger } from "../log.ts";
import type { NoticeListener } from "../net/ws_client.ts";
import type { Outbox } from "../outbox.ts";
import type { AgentPaths } from "../paths.ts";
import { downloadSettings } from "../update/download_settings.ts";
import { HeldVersions } from "../update/held_versions.ts";
import { readLastUpdateResult } from "../update/last_update_result.ts";
import { cleanUpFailedUpdate, runUpdateSteps, type UpdateServer } from "../update/run_update.ts";
import { UpdateError } from "../update/update_error.ts";
import type { UpdateStatusReporter } from "../update/update_status.ts";
import { AgentState, StateMachine } from "./agent_state.ts";
import { HealthFile } from "./health_file.ts";

/** What the agent asks the server (HttpClient). */
export interface AgentServer extends UpdateServer {
  /** The update offered over `currentVersion`, or null; throws when the server does not answer. */
  checkForUpdate(currentVersion: string): Promise<UpdateInfo | null>;
}

/** Where pushed notices come from (WSClient), told once to start and once to close. */
export interface NoticeChannel {
  start(listener: NoticeListener): void;
  close(): void;
}

export interface AgentOptions {
  paths: AgentPaths;
  config: ConfigFile;
  log: Logger;
  lock: AgentLock;
  server: AgentServer;
  /** The error buffer (`error_reports.jsonl`); it sends through the server by itself. */
  errorReports: Outbox<ErrorReport>;
  /** The update-status reports of rollouts, through their own outbox. */
  updateStatus: UpdateStatusReporter;
  /** Null when the WebSocket is turned off (`ws_enabled`): only the periodic check runs. */
  notices: NoticeChannel | null;
  /** Ends the process; tests pass their own. */
  exit?: (code: number) => void;
  /** The public keys packages must be signed with; default: those built in (agent/trusted_keys.ts). */
  trustedKeys?: readonly string[];
}

export class Agent {
  readonly #options: AgentOptions;
  readonly #log: Logger;
  readonly #machine: StateMachine;
  readonly #server: AgentServer;
  readonly #health: HealthFile;
  readonly #errorReports: Outbox<ErrorReport>;
  readonly #updateStatus: UpdateStatusReporter;
  #checkTimer: ReturnType<typeof setTimeout> | undefined;
  #failedChecks = 0;
  #checkRunning = false;
  /** When the scheduled check runs (ms since the epoch). */
  #nextCheckAt = Infinity;
  /** A held-back version's hold ends then: check again, if sooner than the next check. */
  #wakeAt: number | null = null;
  /** Versions whose update failed here, held back for a growing while (held_versions.ts). */
  #held: HeldVersions | null = null;
  #stopping: Promise<void> | null = null;
  readonly #abort = new AbortController();

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#server = options.server;
    this.#errorReports = options.errorReports;
    this.#updateStatus = options.updateStatus;
    this.#machine = new StateMachine((from, to) => this.#log.info(`State ${from} -> ${to}`));
    this.#health = new HealthFile(options.paths.health, VERSION, options.log);
  }

  get state(): AgentState {
    return this.#machine.state;
  }

  /** The one way to change state: logs the transition, throws on an impossible one. */
  setState(state: AgentState): void {
    this.#machine.set(state);
  }

  async start(): Promise<void> {
    const { paths } = this.#options;
    this.#log.info("Agent starting", {
      version: VERSION,
      pid: Deno.pid,
      install_dir: paths.installDir,
      trusted_keys: (this.#options.trustedKeys ?? TRUSTED_KEYS).length,
    });
    await this.reconcileVersion();
    this.#held = await HeldVersions.load(paths.failedUpdate);
    await this.#held.forgetUpTo(VERSION);
    await this.#reportLastUpdateResult();
    this.#options.notices?.start({
      onNewVersion: (payload) => void this.handleNewVersionEvent(payload),
      // A notice may have been missed while disconnected: ask once more.
      onConnected: (reconnect) => {
        void this.#health.markServerReached();
        if (reconnect && !this.#checkRunning) this.#scheduleCheck(0);
      },
    });
    this.setState(AgentState.IDLE);
    await this.#health.writeStarted();
    this.#scheduleCheck(0);
  }

  /** The plan's section II.5: the running code's VERSION is the configured version. */
  async reconcileVersion(): Promise<void> {
    const configured = this.#options.config.get("current_version");
    if (configured === VERSION) return;
    this.#log.info(`Updating configured version from ${configured ?? "(none)"} to ${VERSION}`);
    await this.#options.config.set("current_version", VERSION);
  }

  /** Asks the server for an update and starts it; returns false when the server did not answer. */
  async checkForUpdatesOnServer(): Promise<boolean> {
    let info: UpdateInfo | null;
    try {
      info = await this.#server.checkForUpdate(VERSION);
    } catch (error) {
      this.#log.warn("Update check failed", { error: (error as Error).message });
      return false;
    }
    this.#errorReports.flushNow();
    this.#updateStatus.flushNow();
    await this.#health.markServerReached();
    await this.#updateStatus.settle(VERSION); // healthy on the version an update brought
    if (!info) {
      this.#log.info("No update available", { version: VERSION });
      return true;
    }
    this.#log.info("Update available", { from: VERSION, to: info.version });
    await this.initiateUpdate(info);
    return true;
  }

  /** `agent:new_version_available`: only a newer version leads to an update. */
  async handleNewVersionEvent(payload: NewVersionPayload): Promise<void> {
    const version = payload.new_stable_version;
    if (!isNewerVersion(version, VERSION)) {
      this.#log.info("New-version notice ignored: not newer", {
        notice: version,
        running: VERSION,
      });
      return;
    }
    if (this.state !== AgentState.IDLE) {
      this.#log.info("New-version notice ignored: agent is busy", {
        notice: version,
        state: this.state,
      });
      return;
    }
    this.#log.info("New-version notice received", { notice: version, running: VERSION });
    // The notice names a version only; check_update gives its URL and checksum.
    await this.checkForUpdatesOnServer();
  }

  /** The update flow of the plan's section II.1. Runs only from IDLE. */
  async initiateUpdate(info: UpdateInfo): Promise<void> {
    if (this.state !== AgentState.IDLE) {
      this.#log.info("Update trigger ignored: agent is busy", {
        version: info.version,
        state: this.state,
      });
      return;
    }
    if (!isNewerVersion(info.version, VERSION)) {
      this.#log.info("Update ignored: not newer", { offered: info.version, running: VERSION });
      return;
    }
    const held = this.#held?.heldBack(info.version);
    if (held) {
      this.#log.warn(`Update to ${info.version} skipped: it failed here before`, { ...held });
      this.#checkAgainAt(Date.parse(held.hold_until) + 1000);
      return;
    }
    this.setState(AgentState.UPDATING_STARTING);
    await this.#updateStatus.begin(VERSION, info.version);
    try {
      await runUpdateSteps({
        info,
        paths: this.#options.paths,
        server: this.#server,
        log: this.#log,
        setState: (state) => {
          this.setState(state);
          void this.#updateStatus.onAgentState(state);
        },
        reportProgress: (fraction) => void this.#updateStatus.progress(fraction),
        signal: this.#abort.signal,
        runningVersion: VERSION,
        trustedKeys: this.#options.trustedKeys ?? TRUSTED_KEYS,
        download: downloadSettings(this.#options.config, info),
      });
    } catch (error) {
      if (this.#stopping) return; // a shutdown interrupted the update; nothing to report
      const failure = error instanceof UpdateError ? error : new UpdateError(
        "UpdateGeneralFailure",
        `Update to ${info.version} failed: ${(error as Error).message}`,
        {},
        { cause: error },
      );
      this.#log.error(`Update to ${info.version} failed: ${failure.type}`, {
        message: failure.message,
        ...failure.details,
      });
      await cleanUpFailedUpdate(this.#options.paths, info.version);
      await this.#holdBack(info.version, failure.type);
      await this.#updateStatus.failed(failure.type, failure.message);
      await this.reportErrorToBackend(
        failure.type,
        failure.message,
        { target_version: info.version, download_url: info.download_url, ...failure.details },
        (failure.cause instanceof Error ? failure.cause : failure).stack,
      );
      this.setState(AgentState.IDLE);
      return;
    }
    await this.gracefulShutdown(0);
  }

  /**
   * Sends an error report through the buffer: it survives a dead server and a
   * restart. Returns false only when the report could not even be buffered.
   */
  async reportErrorToBackend(
    errorType: string,
    message: string,
    details?: Record<string, unknown>,
    stackTrace?: string,
    reportId: string = crypto.randomUUID(),
  ): Promise<boolean> {
    const report: ErrorReport = {
      error_type: errorType,
      message: message.slice(0, 10_000),
      timestamp: new Date().toISOString(),
      agent_version: VERSION,
      ...(stackTrace ? { stack_trace: stackTrace.slice(0, 50_000) } : {}),
      ...(details ? { details } : {}),
      report_id: reportId,
    };
    try {
      await this.#errorReports.add(report);
      return true;
    } catch (error) {
      this.#log.error("Could not buffer an error report", { error_type: errorType, error });
      return false;
    }
  }

  /** SHUTTING_DOWN, close connections, STOPPED, flush the log, release the lock, exit. */
  gracefulShutdown(code = 0): Promise<void> {
    this.#stopping ??= (async () => {
      this.setState(AgentState.SHUTTING_DOWN);
      this.#abort.abort();
      clearTimeout(this.#checkTimer);
      this.#options.notices?.close();
      await this.#errorReports.stop();
      await this.#updateStatus.stop();
      this.#log.info("Agent stopped", {
        exit_code: code,
        pending_reports: this.#errorReports.pending.length,
      });
      this.setState(AgentState.STOPPED);
      this.#log.close();
      this.#options.lock.release();
      (this.#options.exit ?? Deno.exit)(code);
    })();
    return this.#stopping;
  }

  /** Runs a check after `delayMs`, then keeps checking: hourly (jittered), sooner after failures. */
  #scheduleCheck(delayMs: number): void {
    if (this.#stopping) return;
    clearTimeout(this.#checkTimer);
    this.#nextCheckAt = Date.now() + delayMs;
    this.#checkTimer = setTimeout(async () => {
      this.#checkRunning = true;
      const answered = this.state === AgentState.IDLE ? await this.checkForUpdatesOnServer() : true;
      this.#checkRunning = false;
      this.#failedChecks = answered ? 0 : this.#failedChecks + 1;
      const config = this.#options.config;
      let next = answered
        ? jitter(config.get("check_interval_s") * 1000)
        : backoffDelay(this.#failedChecks - 1, 1000, config.get("retry_max_s") * 1000);
      if (this.#wakeAt !== null) next = Math.min(next, Math.max(0, this.#wakeAt - Date.now()));
      this.#wakeAt = null;
      this.#scheduleCheck(next);
    }, delayMs);
  }

  /** Checks at `at` if that is sooner than the check already scheduled (a hold ending). */
  #checkAgainAt(at: number): void {
    if (this.#checkRunning) this.#wakeAt = Math.min(this.#wakeAt ?? Infinity, at);
    else if (at < this.#nextCheckAt) this.#scheduleCheck(Math.max(0, at - Date.now()));
  }

  /** The updater's `update_result.json`: its version held back, reported through the buffer, removed. */
  async #reportLastUpdateResult(): Promise<void> {
    const last = await readLastUpdateResult(this.#options.paths);
    if (!last) return;
    this.#log.warn("Last update did not succeed; reporting it", last.details);
    if (last.toVersion && last.toVersion !== VERSION) {
      await this.#holdBack(last.toVersion, last.errorType);
    }
    await this.#updateStatus.settle(VERSION, {
      error_type: last.errorType,
      message: last.message,
    });
    if (
      await this.reportErrorToBackend(
        last.errorType,
        last.message,
        last.details,
        undefined,
        last.reportId,
      )
    ) {
      await last.remove();
    }
  }

  /** Holds `version` back after a failed attempt (held_versions.ts). */
  async #holdBack(version: string, errorType: string): Promise<void> {
    const config = this.#options.config;
    const held = await this.#held?.recordFailure(version, errorType, {
      firstHoldMs: config.get("failed_version_retry_s") * 1000,
      maxHoldMs: config.get("failed_version_retry_max_s") * 1000,
    });
    if (held) this.#log.warn(`Version ${version} held back after a failed update`, { ...held });
  }
}
