/**
 * Steps 5 and 6: start the new agent and wait for its health; then, past the
 * point of no return, drop the backup. Also how `updater --recover` finishes an
 * update interrupted with all new files in place: it confirms before it keeps.
 */
import { enterStep, type UpdateContext } from "./context.ts";
import { EXIT_OK } from "./exit_codes.ts";
import { dieIfRequested } from "./fault.ts";
import { dropWorkDirs } from "./file_sets.ts";
import { isRecordedProcessAlive, removeJournal, writeJournal } from "./journal.ts";
import {
  adoptAgent,
  LaunchError,
  startInstalledAgent,
  stopAgent,
  waitForHealth,
  type WatchedAgent,
} from "./launch.ts";
import { describeError } from "./log.ts";
import { performRollback } from "./rollback.ts";

/** Runs steps 5 and 6; on failure rolls back. Returns the exit code. */
export async function confirmAndCommit(ctx: UpdateContext): Promise<number> {
  const { log, paths } = ctx;
  const to = ctx.journal.to_version;
  // An agent an interrupted updater started may still be coming up: watch it rather than start a second.
  const earlier = isRecordedProcessAlive(ctx.journal.launched_pid, ctx.journal.launched_at, null)
    ? ctx.journal.launched_pid
    : null;
  const launched: { agent?: WatchedAgent } = {};
  try {
    await enterStep(ctx, "5-launch");
    await log.step(
      "Step 5/6 launch",
      `new agent ${to} in ${paths.install}, health within ${ctx.healthTimeoutMs / 1000} s`,
      async () => {
        if (earlier !== null) {
          log.info(`Watching agent pid ${earlier}, started before the updater was interrupted`);
          launched.agent = adoptAgent(earlier);
        } else {
          launched.agent = await startInstalledAgent(paths.install);
          ctx.journal = await writeJournal(paths.install, {
            ...ctx.journal,
            launched_pid: launched.agent.pid,
            launched_at: new Date().toISOString(),
          });
          log.info(`Started the new agent (pid ${launched.agent.pid})`);
          dieIfRequested("5-launch.mid");
        }
        const pid = await waitForHealth(paths.install, to, ctx.healthTimeoutMs, launched.agent);
        log.info(`New agent ${to} confirmed health (pid ${pid})`);
      },
    );
  } catch (err) {
    if (launched.agent) await stopAgent(paths.install, launched.agent);
    return await performRollback(ctx, {
      failed_step: "5-launch",
      error_type: err instanceof LaunchError ? "UpdateLaunchFailed" : "UpdateGeneralFailure",
      message: describeError(err),
    });
  }

  // Point of no return: the new agent runs and said so. From here recovery only rolls forward.
  await enterStep(ctx, "6-cleanup");
  await log.step(
    "Step 6/6 cleanup",
    `${paths.backup}, ${paths.staging}`,
    () => dropWorkDirs(paths, (m) => log.warn(m)),
  );
  await removeJournal(paths.install);
  log.info(`Update ${ctx.journal.from_version} -> ${to} complete`);
  return EXIT_OK;
}
