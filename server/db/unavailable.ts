/**
 * Whether an error means the database cannot be reached (stopped, restarting,
 * connection lost) rather than that a query was wrong: such errors are
 * answered 503 with Retry-After, not 500.
 */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now).
  return CONNECTION_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code);
}
