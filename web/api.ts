/**
 * The admin page's one typed API client. It signs in with the HttpOnly session
 * cookie (the page never holds the token in script), so every call is
 * same-origin with credentials. A failed call throws ApiError carrying the
 * server's `{code, message}`; a 401 also tells the app the session is over.
 */
import type {
  AgentVersionRecord,
  ApiErrorBody,
  ComputerError,
  ComputerSummary,
  LoginResponse,
} from "../protocol/schemas.ts";

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

let onUnauthorized: () => void = () => {};

/** Sets what happens when the server answers 401 to a signed-in call. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** Turns a non-2xx reply into an ApiError, using the server's message when there is one. */
export function toApiError(status: number, statusText: string, bodyText: string): ApiError {
  try {
    const body = JSON.parse(bodyText) as Partial<ApiErrorBody>;
    if (body.error?.message) return new ApiError(status, body.error.code, body.error.message);
  } catch {
    // Not JSON: a proxy or the runtime answered; fall through to the status line.
  }
  const reason = statusText || (status === 413 ? "Payload too large" : "Request failed");
  return new ApiError(status, `http_${status}`, `${reason} (HTTP ${status})`);
}

/** Tells the app its session is over (a signed-in call got 401); also used by api_client.ts. */
export function reportUnauthorized(): void {
  onUnauthorized();
}

function fail(error: ApiError, signedIn: boolean): never {
  if (error.status === 401 && signedIn) onUnauthorized();
  throw error;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "Cannot reach the Hangar server");
  }
  const text = await res.text();
  if (!res.ok) fail(toApiError(res.status, res.statusText, text), !path.startsWith("/api/auth/"));
  return (text ? JSON.parse(text) : null) as T;
}

export function login(username: string, password: string): Promise<LoginResponse> {
  return request("POST", "/api/auth/login", { username, password });
}

export function logout(): Promise<null> {
  return request("POST", "/api/auth/logout");
}

export function getAgentVersions(): Promise<AgentVersionRecord[]> {
  return request("GET", "/api/admin/agents/versions");
}

export function setAgentVersionStability(
  versionId: string,
  isStable: boolean,
): Promise<AgentVersionRecord> {
  return request("PUT", `/api/admin/agents/versions/${encodeURIComponent(versionId)}`, {
    is_stable: isStable,
  });
}

/**
 * Uploads a package (`file`, `version`, `notes`). XMLHttpRequest rather than
 * fetch because only it reports upload progress.
 */
export function uploadAgentVersion(
  formData: FormData,
  onProgress: (loaded: number, total: number) => void = () => {},
): Promise<AgentVersionRecord> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/admin/agents/versions");
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(JSON.parse(xhr.responseText));
      try {
        fail(toApiError(xhr.status, xhr.statusText, xhr.responseText), true);
      } catch (error) {
        reject(error);
      }
    };
    // A server that refuses a large body may close the connection before replying.
    xhr.onerror = () =>
      reject(
        new ApiError(0, "network", "The upload was interrupted: the server closed the connection"),
      );
    xhr.send(formData);
  });
}

export function getComputer(computerId: string): Promise<ComputerSummary> {
  return request("GET", `/api/admin/computers/${encodeURIComponent(computerId)}`);
}

export function getComputerErrors(computerId: string): Promise<ComputerError[]> {
  return request("GET", `/api/admin/computers/${encodeURIComponent(computerId)}/errors`);
}

export function resolveComputerError(
  computerId: string,
  errorId: string,
  resolutionNotes: string,
): Promise<ComputerError> {
  const id = encodeURIComponent(computerId);
  return request(
    "POST",
    `/api/admin/computers/${id}/errors/${encodeURIComponent(errorId)}/resolve`,
    {
      resolution_notes: resolutionNotes.trim() === "" ? null : resolutionNotes.trim(),
    },
  );
}

export async function getEnrollmentToken(): Promise<string> {
  const reply = await request<{ enrollment_token: string }>("GET", "/api/admin/enrollment-token");
  return reply.enrollment_token;
}
