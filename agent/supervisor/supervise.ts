/**
 * `agent supervise`: a small supervisor that runs `agent run` and starts it
 * again whenever it exits (as systemd's Restart=always does), with a short
 * backoff when it keeps failing. It is what the Windows scheduled task runs,
 * and any host without a service manager can use it. During an update the
 * updater holds it (config/supervisor_hold) so the old version is not
 * started mid-swap, then lets it start the new one; see
 * host/supervisor.ts for the files they share.
 */
import { join } from "node:path";
import { writeJsonAtomic } from "../atomic_file.ts";
import { launcherPath, readInstalledManifest } from "../../package/mod.ts";
import type { Logger } from "../log.ts";
import {
  isHeld,
  type SuperviseState,
  superviseStatePath,
  SUPERVISOR_ENV,
} from "../../host/supervisor.ts";

export interface SuperviseOptions {
  installDir: string;
  log: Logger;
  /** The first restart delay; it doubles while the agent keeps failing. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** An agent that ran this long was healthy: the delay starts over. */
  healthyRunMs?: number;
  /** Ends the loop (a signal in production, the test's own in tests). */
  signal: AbortSignal;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), done()), { once: true });
  });

/** Runs until `signal` aborts; then stops the agent it runs and returns. */
export async function supervise(options: SuperviseOptions): Promise<void> {
  const { installDir, log, signal } = options;
  const base = options.restartDelayMs ?? 1000;
  const max = options.maxRestartDelayMs ?? 30_000;
  const healthyRun = options.healthyRunMs ?? 60_000;
  const state: SuperviseState = { supervisor_pid: Deno.pid, agent_pid: 0, starts: 0 };
  const save = () => writeJsonAtomic(superviseStatePath(installDir), state);
  await save();
  log.info("Supervisor started", { install_dir: installDir, pid: Deno.pid });
  let delay = base;
  let child: Deno.ChildProcess | null = null;
  signal.addEventListener("abort", () => {
    try {
      child?.kill("SIGTERM");
    } catch {
      // already gone
    }
  }, { once: true });

  while (!signal.aborted) {
    if (await isHeld(installDir)) {
      await sleep(200, signal);
      continue;
    }
    const manifest = await readInstalledManifest(installDir);
    if (!manifest) {
      log.error("No readable manifest.json: cannot start the agent", { install_dir: installDir });
      await sleep(max, signal);
      continue;
    }
    const launcher = join(installDir, ...launcherPath(manifest, manifest.agent).split("/"));
    const startedAt = Date.now();
    try {
      child = new Deno.Command(launcher, {
        args: ["run", "--install-dir", installDir],
        cwd: installDir,
        env: {
          [SUPERVISOR_ENV]: "supervise",
          // Trust the computer's certificate store (a company CA) besides Deno's bundled roots.
          DENO_TLS_CA_STORE: Deno.env.get("DENO_TLS_CA_STORE") ?? "system,mozilla",
        },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch (error) {
      log.error("Cannot start the agent", { launcher, error: (error as Error).message });
      await sleep(delay, signal);
      delay = Math.min(delay * 2, max);
      continue;
    }
    state.agent_pid = child.pid;
    state.starts++;
    await save();
    log.info("Agent started", { pid: child.pid, version: manifest.version, start: state.starts });
    // The updater writes its hold, then reads this state to stop an agent started before the hold.
    // A hold written between the check above and the save missed that agent: stop it here.
    if (await isHeld(installDir)) {
      log.info("Held while starting the agent: stopping it", { pid: child.pid });
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
    const status = await child.status;
    child = null;
    state.agent_pid = 0;
    await save();
    const held = await isHeld(installDir);
    log.info("Agent exited", {
      code: status.code,
      signal: status.signal,
      held,
      ran_ms: Date.now() - startedAt,
    });
    if (signal.aborted || held) continue;
    delay = Date.now() - startedAt >= healthyRun ? base : delay;
    await sleep(delay, signal);
    delay = Math.min(delay * 2, max);
  }
  await Deno.remove(superviseStatePath(installDir)).catch(() => {});
  log.info("Supervisor stopped");
}
