/** What every step of one update run shares, and how a step begins. */
import { dieIfRequested } from "./fault.ts";
import type { RetryOptions } from "../host/fs_retry.ts";
import { type Journal, type StepId, writeJournal } from "./journal.ts";
import type { UpdateLog } from "./log.ts";
import type { InstallPaths } from "./paths.ts";

export interface UpdateContext {
  paths: InstallPaths;
  log: UpdateLog;
  /** The journal as last written; `enterStep` keeps it current. */
  journal: Journal;
  healthTimeoutMs: number;
}

/** Records durably that `step` begins, then gives the test-only fault injector its chance. */
export async function enterStep(
  ctx: UpdateContext,
  step: StepId,
  changes: Partial<Journal> = {},
): Promise<void> {
  ctx.journal = await writeJournal(ctx.paths.install, { ...ctx.journal, ...changes, step });
  dieIfRequested(step);
}

/** Retries of risky file operations show up in the log. */
export function loggedRetries(ctx: UpdateContext): RetryOptions {
  return { onRetry: (message) => ctx.log.warn(message) };
}
