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
import { adoptAgent, LaunchError, readHealth, waitForHealth, type WatchedAgent } from "./launch.ts";
import { describeError } from "./log.ts";
import { sleep } from "../host/process.ts";
import { supervisorFor } from "./supervisor/supervisor.ts";
import { performRollback } from "./rollback.ts";
import {
  judgeServerReach,
  probeServer,
  type ServerVerdict,
  type ServerView,
  viewServer,
} from "./server_probe.ts";

/** How often the updater asks the server itself while the new agent has not reached it. */
const PROBE_EVERY_MS = 2_000;

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
          launched.agent = await supervisorFor(paths.install).start();
          ctx.journal = await writeJournal(paths.install, {
            ...ctx.journal,
            launched_pid: launched.agent.pid,
            launched_at: new Date().toISOString(),
          });
          log.info(`Started the new agent (pid ${launched.agent.pid})`);
          dieIfRequested("5-launch.mid");
        }
        const deadline = Date.now() + ctx.healthTimeoutMs;
        const server = await viewServer(paths.install);
        const pid = await waitForHealth(paths.install, to, ctx.healthTimeoutMs, launched.agent);
        log.info(`New agent ${to} confirmed health (pid ${pid})`);
        if (server) await confirmServerReach(ctx, server, deadline);
      },
    );
  } catch (err) {
    if (launched.agent) await supervisorFor(paths.install).stop(launched.agent);
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

/**
 * The new agent runs; did it reach the server? Waits for the health file to
 * say so until the health deadline, asking the server itself every few
 * seconds: a server down for everyone keeps the new agent (it reports once
 * the server is back); an agent that cannot reach a server the updater
 * reaches fails the update.
 */
async function confirmServerReach(
  ctx: UpdateContext,
  server: ServerView,
  deadline: number,
): Promise<void> {
  const { log, paths } = ctx;
  let reached = false;
  let nextProbe = Date.now() + PROBE_EVERY_MS;
  let verdict: ServerVerdict | null = null;
  while (verdict === null) {
    reached = !!(await readHealth(paths.install))?.server_reached_at;
    if (reached || Date.now() >= deadline) {
      verdict = await judgeServerReach(server, reached);
    } else if (server.reachableBefore && Date.now() >= nextProbe) {
      if (!(await probeServer(server.url))) verdict = "server_unreachable";
      nextProbe = Date.now() + PROBE_EVERY_MS;
    } else if (!server.reachableBefore) {
      verdict = "server_unreachable";
    } else {
      await sleep(200);
    }
  }
  if (verdict === "reached") {
    log.info(`New agent reached the server ${server.url}`);
  } else if (verdict === "server_unreachable") {
    log.warn(
      `The server ${server.url} cannot be reached from here (before the launch: ${
        server.reachableBefore ? "reachable" : "unreachable"
      }); the new agent is kept and reports once the server is back`,
    );
  } else {
    throw new LaunchError(
      `The new agent did not reach the server ${server.url} within ${
        ctx.healthTimeoutMs / 1000
      } s, while the updater reaches it`,
    );
  }
}
