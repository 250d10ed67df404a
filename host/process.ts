/**
 * Processes: is a PID alive, wait for one to exit, start an agent detached,
 * stop one. The platform differences live here and nowhere else.
 */

/** True when `pid` names a running process (a zombie that has exited counts as gone). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    Deno.kill(pid, 0);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    // EPERM: the process exists but belongs to someone else.
    if (err instanceof Deno.errors.PermissionDenied) return true;
    throw err;
  }
  return !isZombie(pid);
}

/**
 * On Linux an exited child whose parent has not collected it still answers
 * signal 0; its state letter in /proc says it is gone.
 */
function isZombie(pid: number): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Waits until `pid` is gone; false when it is still alive after `timeoutMs`. */
export async function waitForPidExit(
  pid: number,
  timeoutMs: number,
  pollMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isPidAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/**
 * Starts `file run --install-dir <installDir>` detached (its own session on
 * POSIX, so it outlives the updater) with no stdio. The working folder is the
 * install dir: a child started inside `_update/` would lock that folder on Windows.
 */
export function spawnAgent(file: string, installDir: string): Deno.ChildProcess {
  const child = new Deno.Command(file, {
    args: ["run", "--install-dir", installDir],
    cwd: installDir,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  child.unref();
  return child;
}

/**
 * Stops a process started by `spawnAgent` and whatever it started: SIGTERM,
 * then SIGKILL after `graceMs`. A detached POSIX child leads its own process
 * group, so the group is signalled (a launcher script and the runtime it
 * started both go); on Windows `taskkill /T` ends the tree.
 */
export async function stopProcess(pid: number, graceMs = 3000): Promise<void> {
  if (!isPidAlive(pid)) return;
  if (Deno.build.os === "windows") {
    await new Deno.Command("taskkill", {
      args: ["/PID", String(pid), "/T", "/F"],
      stdout: "null",
      stderr: "null",
    }).output();
    await waitForPidExit(pid, graceMs);
    return;
  }
  signalGroup(pid, "SIGTERM");
  if (await waitForPidExit(pid, graceMs)) return;
  signalGroup(pid, "SIGKILL");
  await waitForPidExit(pid, graceMs);
}

function signalGroup(pid: number, signal: Deno.Signal): void {
  for (const target of [-pid, pid]) {
    try {
      Deno.kill(target, signal);
    } catch {
      // Not a group leader, or already gone: the other target covers it.
    }
  }
}
