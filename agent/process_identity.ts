/**
 * Telling one process from another across reboots and PID reuse: the boot
 * time of this computer and the start time of a process. On Linux both come
 * from /proc; on Windows the start time from the one Windows module
 * (agent/service/windows.ts), the boot time from the uptime.
 */
import { windowsProcessStartTime } from "./service/windows.ts";

/** Clock ticks per second of /proc/<pid>/stat's start time (USER_HZ, 100 on every Linux build). */
const USER_HZ = 100;

/** When this computer booted, or null when it cannot be told. */
export function bootTime(): Date | null {
  if (Deno.build.os === "linux") {
    try {
      const btime = /^btime (\d+)$/m.exec(Deno.readTextFileSync("/proc/stat"))?.[1];
      if (btime) return new Date(Number(btime) * 1000);
    } catch {
      // fall back to the uptime
    }
  }
  try {
    return new Date(Date.now() - Deno.osUptime() * 1000);
  } catch {
    return null;
  }
}

/** When the process `pid` started, or null when it is gone or cannot be told. */
export function processStartTime(pid: number): Date | null {
  if (Deno.build.os === "windows") return windowsProcessStartTime(pid);
  if (Deno.build.os !== "linux") return null;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    const boot = bootTime();
    if (!Number.isFinite(ticks) || !boot) return null;
    return new Date(boot.getTime() + (ticks / USER_HZ) * 1000);
  } catch {
    return null;
  }
}
