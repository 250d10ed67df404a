/**
 * Test-only fault injection: `HANGAR_UPDATER_DIE_AT_STEP` names a point (a step
 * number or name such as `3` or `backup`, optionally with `.mid` for "after the
 * first file move of that step", or `rollback`) and the updater SIGKILLs itself
 * there, the way a power cut would stop it. Unset, it does nothing.
 */
import { TEST_HOOKS } from "../agent/test_hooks.ts";

export const DIE_AT_STEP_ENV = "HANGAR_UPDATER_DIE_AT_STEP";

function requestedPoint(): string | undefined {
  if (!TEST_HOOKS) return undefined;
  try {
    return Deno.env.get(DIE_AT_STEP_ENV);
  } catch {
    return undefined; // no env permission: never set
  }
}

/** The names one point answers to: "3-backup.mid" answers "3.mid", "backup.mid" and itself. */
export function pointNames(point: string): string[] {
  const [step, suffix] = point.split(".");
  const tail = suffix === undefined ? "" : `.${suffix}`;
  const [number, name] = step.includes("-") ? step.split("-") : [step, step];
  return [...new Set([`${number}${tail}`, `${name}${tail}`, `${step}${tail}`])];
}

/** Kills this process at `point` when the environment asks for it. */
export function dieIfRequested(point: string): void {
  const wanted = requestedPoint();
  if (!wanted || !pointNames(point).includes(wanted)) return;
  Deno.kill(Deno.pid, "SIGKILL");
}
