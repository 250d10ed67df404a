/**
 * The one error type of the agent's HTTP clients, and how a reply that is not
 * the expected one becomes such an error.
 */
import { ApiErrorBody } from "../../protocol/mod.ts";

export type HttpErrorKind = "network" | "status" | "invalid_reply" | "size_mismatch" | "gave_up";

export class HttpClientError extends Error {
  constructor(
    readonly kind: HttpErrorKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "HttpClientError";
  }

  /** Worth trying again later: the network, a busy or failing server. */
  get retryable(): boolean {
    if (this.kind === "network") return true;
    if (this.kind !== "status" || this.status === undefined) return false;
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** Builds the HttpClientError for a reply that is not the expected one. */
export async function statusError(res: Response, what: string): Promise<HttpClientError> {
  const text = await res.text().catch(() => "");
  let code: string | undefined;
  let detail = text.slice(0, 200);
  try {
    const body = ApiErrorBody.parse(JSON.parse(text));
    code = body.error.code;
    detail = body.error.message;
  } catch {
    // Not the server's error shape (a proxy, a crash page): keep the raw text.
  }
  return new HttpClientError(
    "status",
    `${what}: HTTP ${res.status} ${detail}`.trim(),
    res.status,
    code,
  );
}
