/**
 * One agent per install dir: `agent.lock` holds `{pid, started_at}` of the
 * agent that owns the dir. A lock whose process is gone (a crash, a kill) is
 * taken over; a live one makes the second agent stop with LockHeldError.
 */
import process from "node:process";

export class LockHeldError extends Error {
  constructor(readonly path: string, readonly pid: number, readonly startedAt: string) {
    super(
      `Another agent (PID ${pid}, started ${startedAt}) is already running in this install dir; ` +
        `lock file ${path}`,
    );
    this.name = "LockHeldError";
  }
}

/** True when a process with this PID exists (signal 0 probes without touching it). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: string }).code === "EPERM";
  }
}

interface LockContent {
  pid: number;
  started_at: string;
}

function parseLock(text: string): LockContent | null {
  try {
    const value = JSON.parse(text);
    if (Number.isInteger(value?.pid) && typeof value?.started_at === "string") return value;
  } catch {
    // A torn or foreign file counts as no owner.
  }
  return null;
}

export class LockManager {
  #held = false;

  constructor(readonly path: string) {}

  get held(): boolean {
    return this.#held;
  }

  /**
   * Takes the lock. Returns the PID of a dead owner whose lock was taken over
   * (or null), and throws LockHeldError when a live agent owns it.
   */
  acquire(): number | null {
    let takenOverFrom: number | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const content: LockContent = { pid: Deno.pid, started_at: new Date().toISOString() };
      try {
        Deno.writeTextFileSync(this.path, JSON.stringify(content) + "\n", { createNew: true });
        this.#held = true;
        return takenOverFrom;
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
      let existing: LockContent | null = null;
      try {
        existing = parseLock(Deno.readTextFileSync(this.path));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      if (existing && existing.pid !== Deno.pid && isProcessAlive(existing.pid)) {
        throw new LockHeldError(this.path, existing.pid, existing.started_at);
      }
      takenOverFrom = existing?.pid ?? 0;
      try {
        Deno.removeSync(this.path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    throw new Error(`Could not take the lock ${this.path}: it keeps changing`);
  }

  /** Removes the lock if this process owns it. Safe to call more than once. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    try {
      const existing = parseLock(Deno.readTextFileSync(this.path));
      if (existing?.pid === Deno.pid) Deno.removeSync(this.path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}
