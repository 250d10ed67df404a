/**
 * The agent's HTTP side of the contract (DESIGN.md, "Agent"): update checks,
 * package downloads that resume, and one delivery attempt of a buffered
 * report (the outboxes call it; this client holds no buffer). Every request
 * carries the agent headers; replies are validated with the protocol's
 * schemas, and every failure is an HttpClientError.
 */
import {
  AGENT_ID_HEADER,
  AGENT_TOKEN_HEADER,
  AGENT_VERSION_HEADER,
  ENROLLMENT_TOKEN_HEADER,
  type ErrorReport,
  type RegisterRequest,
  RegisterResponse,
  UpdateInfo,
  type UpdateStatusReport,
} from "../../protocol/mod.ts";
import { VERSION } from "../version.ts";
import type { Logger } from "../log.ts";
import type { SendResult } from "../outbox.ts";
import { type DownloadOptions, type DownloadResult, downloadToFile } from "./download.ts";
import { retryAfterMs } from "../backoff.ts";
import { HttpClientError, statusError } from "./http_error.ts";

export { HttpClientError } from "./http_error.ts";

/** Joins a server-relative path (`/api/...`) onto the server URL, keeping any path prefix. */
export function resolveServerUrl(serverUrl: string, path: string): URL {
  if (/^https?:\/\//i.test(path)) return new URL(path);
  return new URL(serverUrl.replace(/\/+$/, "") + "/" + path.replace(/^\/+/, ""));
}

export interface HttpClientOptions {
  serverUrl: string;
  agentId: string;
  agentToken: string;
  log: Logger;
  /** Per-request timeout for small requests. */
  timeoutMs?: number;
}

export class HttpClient {
  readonly #options: Required<HttpClientOptions>;

  constructor(options: HttpClientOptions) {
    this.#options = { timeoutMs: 30_000, ...options };
  }

  get serverUrl(): string {
    return this.#options.serverUrl;
  }

  /** The headers that identify this agent on every request. */
  agentHeaders(): Record<string, string> {
    return {
      [AGENT_ID_HEADER]: this.#options.agentId,
      [AGENT_TOKEN_HEADER]: this.#options.agentToken,
      [AGENT_VERSION_HEADER]: VERSION,
    };
  }

  /** The update the server offers over `currentVersion`, or null (204). */
  async checkForUpdate(currentVersion: string): Promise<UpdateInfo | null> {
    const url = resolveServerUrl(this.#options.serverUrl, "/api/agent/check_update");
    url.searchParams.set("current_version", currentVersion);
    const res = await this.#fetch(url, { headers: this.agentHeaders() }, "check_update");
    if (res.status === 204) {
      await res.body?.cancel();
      return null;
    }
    if (res.status !== 200) throw await statusError(res, "check_update");
    const parsed = UpdateInfo.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      throw new HttpClientError(
        "invalid_reply",
        `check_update: invalid reply (${parsed.error.message})`,
      );
    }
    return parsed.data;
  }

  /**
   * Downloads `url` (server-relative or absolute) to `savePath` through a
   * `.part` file, resuming it with `Range` after an interruption.
   */
  downloadFile(
    url: string,
    savePath: string,
    options: DownloadOptions = {},
  ): Promise<DownloadResult> {
    const target = resolveServerUrl(this.#options.serverUrl, url);
    // The token goes only to the server itself, never to another host a URL may name.
    const sameOrigin = target.origin === new URL(this.#options.serverUrl).origin;
    const headers = sameOrigin ? this.agentHeaders() : { [AGENT_VERSION_HEADER]: VERSION };
    return downloadToFile(target, savePath, headers, this.#options.log, options);
  }

  /** One delivery attempt of a buffered report (the outbox's sender). */
  sendErrorReport(report: ErrorReport, signal?: AbortSignal): Promise<SendResult> {
    return this.#postReport("/api/agent/report-error", report, signal);
  }

  /** One delivery attempt of a buffered update status (its outbox's sender). */
  sendUpdateStatus(report: UpdateStatusReport, signal?: AbortSignal): Promise<SendResult> {
    return this.#postReport("/api/agent/update-status", report, signal);
  }

  async #postReport(path: string, body: unknown, signal?: AbortSignal): Promise<SendResult> {
    const url = resolveServerUrl(this.#options.serverUrl, path);
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method: "POST",
        headers: { ...this.agentHeaders(), "content-type": "application/json" },
        body: JSON.stringify(body),
        signal,
      }, path);
    } catch {
      return "retry";
    }
    if (res.ok) {
      await res.body?.cancel();
      return "delivered";
    }
    // The server asks to slow down (per-agent report limit) or is busy: wait as long as it says.
    if ((res.status === 429 || res.status === 503) && res.headers.has("retry-after")) {
      await res.body?.cancel();
      return { busyMs: retryAfterMs(res.headers.get("retry-after")) };
    }
    // A report the server refuses as such would block the queue forever.
    const permanent = res.status >= 400 && res.status < 500 &&
      ![401, 403, 408, 429].includes(res.status);
    if (!permanent) {
      await res.body?.cancel();
      return "retry";
    }
    return { rejected: res.status, message: (await statusError(res, path)).message };
  }

  async #fetch(url: URL, init: RequestInit, what: string): Promise<Response> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      return await fetch(url, { ...init, signal });
    } catch (error) {
      throw new HttpClientError(
        "network",
        `${what}: ${(error as Error).message}`,
        undefined,
        undefined,
        {
          cause: error,
        },
      );
    }
  }
}

/** `agent enroll`: trades the enrollment token for this agent's id and token. */
export async function registerAgent(
  serverUrl: string,
  enrollmentToken: string,
  body: RegisterRequest,
): Promise<RegisterResponse> {
  const url = resolveServerUrl(serverUrl, "/api/agent/register");
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: {
        [ENROLLMENT_TOKEN_HEADER]: enrollmentToken,
        [AGENT_VERSION_HEADER]: VERSION,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new HttpClientError(
      "network",
      `register: ${(error as Error).message}`,
      undefined,
      undefined,
      {
        cause: error,
      },
    );
  }
  if (res.status !== 201 && res.status !== 200) throw await statusError(res, "register");
  const parsed = RegisterResponse.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) throw new HttpClientError("invalid_reply", "register: invalid reply");
  return parsed.data;
}
