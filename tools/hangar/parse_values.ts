/** Turning option strings into checked values; a bad one is a UsageError naming the option. */
import { UsageError } from "./cli_error.ts";

export function parseInteger(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `90s`, `15m`, `2h`, `1d` → seconds. */
export function parseDuration(text: string): number {
  const match = text.match(/^(\d+)([smhd]?)$/);
  if (!match) throw new UsageError(`Cannot read the duration "${text}": use e.g. 90s, 15m, 2h, 1d`);
  return Number(match[1]) * UNITS[match[2] || "s"];
}

export interface StageSpec {
  percent?: number;
  groups?: string[];
  wait_s?: number;
}

/**
 * One rollout stage from `--stage`: comma-separated `N%`, `group=NAME` (more
 * groups with `+`), `wait=DURATION`. E.g. `group=canary,wait=1h`, `10%,wait=2h`, `100%`.
 */
export function parseStage(text: string): StageSpec {
  const stage: StageSpec = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const percent = part.match(/^(\d+)%$/);
    if (percent) stage.percent = parseInteger("stage", percent[1], 1, 100);
    else if (part.startsWith("group=")) stage.groups = part.slice(6).split("+").filter(Boolean);
    else if (part.startsWith("wait=")) stage.wait_s = parseDuration(part.slice(5));
    else {throw new UsageError(
        `Cannot read "${part}" in --stage "${text}": use N%, group=NAME, wait=1h`,
      );}
  }
  if (stage.percent === undefined && !stage.groups?.length) {
    throw new UsageError(`--stage "${text}" needs a percentage (10%) or group=NAME`);
  }
  return stage;
}
