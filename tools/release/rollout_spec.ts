/**
 * `--rollout "canary,10%,50%,100%"` and `--stage-wait 1h`: the stages of the
 * rollout `deno task release` starts after its upload (docs/releasing.md,
 * "Rolling out a release"). Each comma-separated item is a stage: `N%` takes
 * that share of the fleet, anything else names a computer group.
 */
import { GroupName, MAX_STAGE_WAIT_S, type RolloutStage } from "../../protocol/mod.ts";

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in a duration such as `90s`, `30m`, `1h`, `2d` (a bare number is seconds). */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`Cannot read duration "${text}": use e.g. 90s, 30m, 1h or 2d`);
  const seconds = Number(match[1]) * UNITS[match[2] || "s"];
  if (seconds > MAX_STAGE_WAIT_S) {
    throw new Error(`Duration "${text}" is too long: a stage waits at most 30d`);
  }
  return seconds;
}

/** The stages of `spec`, each waiting `waitS` seconds before the next. */
export function parseRolloutSpec(spec: string, waitS: number): RolloutStage[] {
  const items = spec.split(",").map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item === "")) {
    throw new Error(`Cannot read rollout "${spec}": give stages like "canary,10%,50%,100%"`);
  }
  let lastPercent = 0;
  return items.map((item) => {
    const percent = /^(\d+)%$/.exec(item);
    if (percent) {
      const value = Number(percent[1]);
      if (value < 1 || value > 100) throw new Error(`Stage "${item}": a percent is 1% to 100%`);
      if (value < lastPercent) {
        throw new Error(`Stage "${item}" is below ${lastPercent}%: stages only widen`);
      }
      lastPercent = value;
      return { percent: value, wait_s: waitS };
    }
    if (!GroupName.safeParse(item).success) {
      throw new Error(`Stage "${item}" is neither N% nor a group name (letters, digits, . _ -)`);
    }
    return { groups: [item], wait_s: waitS };
  });
}
