/**
 * The typed Hangar API client shared by the admin page (same-origin, with the
 * session cookie) and the admin CLI (`deno task hangar`, with an API token).
 * Only the transport differs: the page passes a `fetch` that sends the cookie,
 * the CLI one that adds `Authorization: Bearer hgr_...` and the server's URL.
 * A non-2xx reply throws ApiError carrying the server's `{code, message}`.
 */
import type {
  AgentVersionRecord,
  ApiTokenRecord,
  AuditEntry,
  BulkResolveResponse,
  ComputerError,
  ComputerPatch,
  ComputerSummary,
  CreateApiTokenRequest,
  CreatedApiToken,
  CreateRolloutRequest,
  FleetComputer,
  FleetError,
  FleetSummary,
  Rollout,
  UpdateAttempt,
} from "../protocol/mod.ts";
import { ApiError, reportUnauthorized, toApiError } from "./api.ts";

/** Sends one request to a path under the server (`/api/...`). */
export type Transport = (path: string, init: RequestInit) => Promise<Response>;

export type Query = Record<string, string | number | boolean | undefined | null>;

/** A list reply and its paging headers (`X-Total-Count`, `X-Total-Count-Estimated`, `X-Next-Cursor`). */
export interface Page<T> {
  items: T[];
  total: number | null;
  /** `total` is an estimate (the computer list of a large fleet, `X-Total-Count-Estimated`). */
  total_estimated: boolean;
  next_cursor: string | null;
}

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

const enc = encodeURIComponent;

export class HangarClient {
  constructor(private readonly transport: Transport) {}

  /** One call; the parsed JSON body (null when empty) and the reply's headers. */
  async call<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<{ data: T; headers: Headers }> {
    let res: Response;
    try {
      res = await this.transport(withQuery(path, options.query), {
        method,
        headers: options.body === undefined ? {} : { "content-type": "application/json" },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch {
      throw new ApiError(0, "network", "Cannot reach the Hangar server");
    }
    const text = await res.text();
    if (!res.ok) throw toApiError(res.status, res.statusText, text);
    return { data: (text ? JSON.parse(text) : null) as T, headers: res.headers };
  }

  async #get<T>(path: string, query?: Query): Promise<T> {
    return (await this.call<T>("GET", path, { query })).data;
  }

  async #page<T>(path: string, query?: Query): Promise<Page<T>> {
    const { data, headers } = await this.call<T[]>("GET", path, { query });
    const total = headers.get("x-total-count");
    return {
      items: data,
      total: total === null ? null : Number(total),
      total_estimated: headers.get("x-total-count-estimated") === "true",
      next_cursor: headers.get("x-next-cursor"),
    };
  }

  async #send<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.call<T>(method, path, { body })).data;
  }

  // API tokens
  listApiTokens(): Promise<ApiTokenRecord[]> {
    return this.#get("/api/admin/api-tokens");
  }
  createApiToken(request: CreateApiTokenRequest): Promise<CreatedApiToken> {
    return this.#send("POST", "/api/admin/api-tokens", request);
  }
  async revokeApiToken(id: string): Promise<void> {
    await this.#send("DELETE", `/api/admin/api-tokens/${enc(id)}`);
  }

  // Agent versions
  listVersions(): Promise<AgentVersionRecord[]> {
    return this.#get("/api/admin/agents/versions");
  }
  setVersionStable(id: string, isStable: boolean): Promise<AgentVersionRecord> {
    return this.#send("PUT", `/api/admin/agents/versions/${enc(id)}`, { is_stable: isStable });
  }

  // Computers
  listComputers(filters: Query = {}): Promise<Page<FleetComputer>> {
    return this.#page("/api/admin/computers", filters);
  }
  fleetSummary(): Promise<FleetSummary> {
    return this.#get("/api/admin/fleet/summary");
  }
  getComputer(id: string): Promise<ComputerSummary> {
    return this.#get(`/api/admin/computers/${enc(id)}`);
  }
  patchComputer(id: string, changes: ComputerPatch): Promise<ComputerSummary> {
    return this.#send("PATCH", `/api/admin/computers/${enc(id)}`, changes);
  }
  async deleteComputer(id: string): Promise<void> {
    await this.#send("DELETE", `/api/admin/computers/${enc(id)}`);
  }
  getFleetSummary(): Promise<FleetSummary> {
    return this.#get("/api/admin/fleet/summary");
  }
  getComputerUpdates(id: string): Promise<UpdateAttempt[]> {
    return this.#get(`/api/admin/computers/${enc(id)}/updates`);
  }
  getComputerErrors(id: string): Promise<ComputerError[]> {
    return this.#get(`/api/admin/computers/${enc(id)}/errors`);
  }

  // Errors across the fleet
  listErrors(filters: Query = {}): Promise<Page<FleetError>> {
    return this.#page("/api/admin/errors", filters);
  }
  resolveErrors(
    errors: { computer_id: string; error_id: string }[],
    resolutionNotes: string | null,
  ): Promise<BulkResolveResponse> {
    return this.#send("POST", "/api/admin/errors/resolve", {
      errors,
      resolution_notes: resolutionNotes,
    });
  }

  // Rollouts
  listRollouts(): Promise<Rollout[]> {
    return this.#get("/api/admin/rollouts");
  }
  getRollout(id: string): Promise<Rollout> {
    return this.#get(`/api/admin/rollouts/${enc(id)}`);
  }
  createRollout(request: CreateRolloutRequest): Promise<Rollout> {
    return this.#send("POST", "/api/admin/rollouts", request);
  }
  rolloutAction(id: string, action: "pause" | "resume" | "advance" | "cancel"): Promise<Rollout> {
    return this.#send("POST", `/api/admin/rollouts/${enc(id)}/${action}`);
  }

  // Audit log
  listAudit(query: Query = {}): Promise<Page<AuditEntry>> {
    return this.#page("/api/admin/audit", query);
  }
}

/**
 * The admin page's client: same-origin requests that carry the session cookie;
 * a 401 tells the app the session is over.
 */
export function pageClient(): HangarClient {
  return new HangarClient(async (path, init) => {
    const res = await fetch(path, { ...init, credentials: "same-origin" });
    if (res.status === 401) reportUnauthorized();
    return res;
  });
}

/** A client for a server URL and bearer token (the CLI, scripts, tests). */
export function tokenClient(server: string, token: string): HangarClient {
  const base = server.replace(/\/+$/, "");
  return new HangarClient((path, init) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { ...init.headers as Record<string, string>, authorization: `Bearer ${token}` },
    })
  );
}
