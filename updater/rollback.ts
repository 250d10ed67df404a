/**
 * perform_rollback(), as the plan lists it: log; remove the new files; move
 * the backup back; start the old agent again; drop the backup; log. The
 * journal says "rollback" first, so a crash part-way is finished by recovery
 * in the same direction.
 */
import { enterStep, type UpdateContext } from "./context.ts";
import { EXIT_ROLLBACK_FAILED, EXIT_ROLLED_BACK } from "./exit_codes.ts";
import { dropWorkDirs, restoreFiles } from "./file_sets.ts";
import { type Failure, removeJournal } from "./journal.ts";
import { readHealth, waitForHealth } from "./launch.ts";
import { describeError } from "./log.ts";
import { isPidAlive } from "../host/process.ts";
import { writeResult } from "./result.ts";
import { supervisorFor } from "./supervisor/supervisor.ts";

/** Rolls the install back to the old agent; returns the updater's exit code. */
export async function performRollback(
  ctx: UpdateContext,
  failure: Failure,
): Promise<number> {
  const { log, paths } = ctx;
  log.error(
    `Rollback 1/6: ${failure.failed_step} failed (${failure.error_type}): ${failure.message}`,
  );
  try {
    await enterStep(ctx, "rollback", { failure });
    await restoreFiles(ctx);
    await writeResult(paths.install, "rolled_back", ctx.journal, failure);
    // The install holds a complete old agent again: nothing left to recover.
    await removeJournal(paths.install);
  } catch (err) {
    log.error(
      `Rollback failed: ${describeError(err)}. The journal stays, so the next start of the agent ` +
        `or "updater --recover" tries again`,
    );
    await writeResult(paths.install, "rollback_failed", ctx.journal, {
      ...failure,
      error_type: "UpdateGeneralFailure",
      message: `${failure.message}; rollback failed too: ${describeError(err)}`,
    }).catch((e) => log.error(`Cannot write the result file either: ${describeError(e)}`));
    return EXIT_ROLLBACK_FAILED;
  }
  await restartAgent(ctx, ctx.journal.from_version, "Rollback 4/6 start old agent");
  await log.step(
    "Rollback 5/6 drop backup",
    `${paths.backup}, ${paths.staging}`,
    () => dropWorkDirs(paths, (m) => log.warn(m)),
  );
  log.info(
    `Rollback 6/6: done — the install is back at version ${
      ctx.journal.from_version ?? "(unknown)"
    }`,
  );
  return EXIT_ROLLED_BACK;
}

/**
 * Starts the installed agent and waits for its health for a while. A failure
 * here is logged, never retried: the files are right, and looping would help
 * nobody.
 */
export async function restartAgent(
  ctx: UpdateContext,
  version: string | null,
  label: string,
): Promise<void> {
  const { log, paths } = ctx;
  const health = await readHealth(paths.install);
  if (health && health.version === version && isPidAlive(health.pid)) {
    // Recovery after the point of no return: the new agent already runs; a second would clash.
    log.info(`${label}: agent ${version} already runs (pid ${health.pid})`);
    return;
  }
  try {
    await log.step(label, `version ${version} in ${paths.install}`, async () => {
      const agent = await supervisorFor(paths.install).start();
      const pid = await waitForHealth(paths.install, version, ctx.healthTimeoutMs, agent);
      log.info(`Agent ${version} confirmed health (pid ${pid})`);
    });
  } catch {
    log.warn(
      "The agent did not confirm health; its files are in place and it can be started again",
    );
  }
}
