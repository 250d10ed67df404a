/** The CLI's exit codes and the one error type that carries one. */
import { ApiError } from "../../web/api.ts";

/** Exit codes scripts can rely on (also in `deno task hangar --help` and docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The server refused the request (4xx other than below) or failed (5xx); or another error. */
  failed: 1,
  /** A bad command, option or value: nothing was sent. */
  usage: 2,
  /** 401 or 403: no, a wrong, a revoked or an expired credential, or a missing scope. */
  auth: 3,
  /** 404: no such computer, version, rollout, token or error. */
  notFound: 4,
  /** The server could not be reached. */
  unreachable: 5,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof ApiError) {
    if (error.status === 0) return EXIT.unreachable;
    if (error.status === 401 || error.status === 403) return EXIT.auth;
    if (error.status === 404) return EXIT.notFound;
  }
  return EXIT.failed;
}

/** One line for stderr: the server's own code and message when it answered. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    return error.status === 0 ? error.message : `${error.message} (${error.status} ${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}
