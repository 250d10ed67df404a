/**
 * One agent per install dir: `agent.lock` holds the PID of the agent that
 * owns the dir, when it took the lock, when that process started and when the
 * computer booted. A lock is taken over (and the caller logs why) when its
 * process is gone, when it was written before the last boot (a detached agent
 * gets no shutdown signal, so its lock survives every reboot), or when its PID
 * now belongs to a process that started after the lock was written (Windows
 * reuses PIDs quickly). Otherwise the second agent stops with LockHeldError.
 */
import { isPidAlive } from "../host/process.ts";
import { bootTime, processStartTime } from "./process_identity.ts";

export class LockHeldError extends Error {
  constructor(readonly path: string, readonly pid: number, readonly startedAt: string) {
    super(
      `Another agent (PID ${pid}, started ${startedAt}) is already running in this install dir; ` +
        `lock file ${path}`,
    );
    this.name = "LockHeldError";
  }
}

export interface LockContent {
  pid: number;
  started_at: string;
  /** When the holding process started; absent in locks of older agents. */
  process_started_at?: string;
  /** When the computer booted, as the holder saw it. */
  boot_time?: string;
}

/** Why a lock no longer protects anyone. */
export type StaleReason = "unreadable" | "process_gone" | "before_boot" | "pid_reused";

export interface StaleLock {
  pid: number;
  reason: StaleReason;
}

/** What `staleReason` needs to know about the computer now; injectable for tests. */
export interface ProcessProbe {
  isAlive(pid: number): boolean;
  bootTime(): Date | null;
  processStartTime(pid: number): Date | null;
}

const SYSTEM_PROBE: ProcessProbe = { isAlive: isPidAlive, bootTime, processStartTime };

/**
 * Clock tolerance: boot and start times derived from uptimes and clock ticks
 * drift by a second or so, and a lock is written a moment after its process starts.
 */
const SLACK_MS = 5_000;

function time(text: string | undefined): number | null {
  if (text === undefined) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

/** Null when the lock's holder may still be running; else why the lock is stale. */
export function staleReason(lock: LockContent | null, probe: ProcessProbe): StaleReason | null {
  if (!lock) return "unreadable";
  if (!probe.isAlive(lock.pid)) return "process_gone";
  const boot = probe.bootTime()?.getTime() ?? null;
  const locked = time(lock.started_at);
  if (boot !== null) {
    const recordedBoot = time(lock.boot_time);
    if (recordedBoot !== null && Math.abs(recordedBoot - boot) > SLACK_MS) return "before_boot";
    if (locked !== null && locked < boot - SLACK_MS) return "before_boot";
  }
  const actualStart = probe.processStartTime(lock.pid)?.getTime() ?? null;
  if (actualStart !== null) {
    const recordedStart = time(lock.process_started_at);
    if (recordedStart !== null && Math.abs(recordedStart - actualStart) > SLACK_MS) {
      return "pid_reused";
    }
    // The holder started before it wrote the lock; a process that started later is another one.
    if (locked !== null && actualStart > locked + SLACK_MS) return "pid_reused";
  }
  return null;
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

export class AgentLock {
  #held = false;

  constructor(readonly path: string, readonly probe: ProcessProbe = SYSTEM_PROBE) {}

  get held(): boolean {
    return this.#held;
  }

  /**
   * Takes the lock. Returns the stale lock that was taken over (or null), and
   * throws LockHeldError when a live agent owns it.
   */
  acquire(): StaleLock | null {
    let takenOver: StaleLock | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const content: LockContent = {
        pid: Deno.pid,
        started_at: new Date().toISOString(),
        process_started_at: this.probe.processStartTime(Deno.pid)?.toISOString(),
        boot_time: this.probe.bootTime()?.toISOString(),
      };
      try {
        Deno.writeTextFileSync(this.path, JSON.stringify(content) + "\n", { createNew: true });
        this.#held = true;
        return takenOver;
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
      const reason = existing?.pid === Deno.pid
        ? "process_gone"
        : staleReason(existing, this.probe);
      if (existing && reason === null) {
        throw new LockHeldError(this.path, existing.pid, existing.started_at);
      }
      takenOver = { pid: existing?.pid ?? 0, reason: reason ?? "unreadable" };
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
