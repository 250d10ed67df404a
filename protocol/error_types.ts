/**
 * The fixed error types an agent reports. The first six update types are the
 * plan's unified list; the others are Hangar's additions, documented in docs/api.md.
 */
const UPDATE_ERROR_TYPES = [
  "UpdateResourceCheckFailed",
  "UpdateDownloadFailed",
  "UpdateChecksumMismatch",
  "UpdateExtractionFailed",
  "UpdateLaunchFailed",
  "UpdateGeneralFailure",
  /** The package is not signed by a trusted key, or is not the version offered (docs/security.md). */
  "UpdateSignatureInvalid",
] as const;

export type UpdateErrorType = (typeof UPDATE_ERROR_TYPES)[number];

/** Reports the agent dropped because its buffer was full; details carry the count. */
export const REPORTS_DROPPED = "AgentReportsDropped";

/**
 * A report the agent set aside: the server refused it (4xx), or it kept
 * failing while the reports behind it were delivered. Details name it.
 */
export const REPORT_SET_ASIDE = "AgentReportSetAside";

/** Error codes in the server's `{error: {code, message}}` replies. */
export const API_ERROR_CODES = [
  "bad_request",
  "validation_failed",
  "invalid_json",
  /** Text the server cannot store: a NUL, a lone UTF-16 surrogate, or a body not in UTF-8. */
  "invalid_text",
  /** A JSON body nested deeper than MAX_JSON_DEPTH. */
  "too_deep",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "header_too_large",
  "range_not_satisfiable",
  "rate_limited",
  "busy",
  "unavailable",
  "internal",
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
