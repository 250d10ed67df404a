/**
 * The fleet console: the filtered, sorted, paged computer list and the fleet
 * summary. Online is the hub's view (this instance's sockets and the other
 * instances' announcements), passed to SQL as a list of ids.
 */
import semver from "semver";
import type {
  ComputerListQuery,
  ComputerSort,
  FleetComputer,
  FleetSummary,
} from "../../protocol/mod.ts";
import {
  type ComputerListFilter,
  countComputers,
  countComputersByGroup,
  countComputersByVersion,
  countUpdateStates,
  listComputerPage,
} from "../db/computer_list.ts";
import type { Db } from "../db/db.ts";
import { HttpError } from "../errors.ts";
import type { AgentVersions } from "./agent_versions.ts";
import { type OnlineView, toComputerSummary } from "./computers.ts";
import type { Rollouts } from "./rollouts.ts";

export interface FleetDeps {
  db: Db;
  hub: OnlineView & { onlineComputers(): string[] };
  versions: Pick<AgentVersions, "latestStable">;
  rollouts: Pick<Rollouts, "active" | "get">;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What each sort's cursor values look like, so a forged cursor is a 400, never a SQL error. */
const KEY_SHAPES: Record<ComputerSort, RegExp[]> = {
  hostname: [/^[\s\S]{0,1000}$/],
  last_seen: [/^(-infinity|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)$/],
  // A version that is not semver (written before versions were checked) has the key
  // {NULL,NULL,NULL,1}; it sorts last and a page can end on it.
  agent_version: [/^\{(-?\d{1,20}|NULL)(,(\d{1,20}|NULL)){0,3}\}$/, /^[\s\S]{0,256}$/],
};

/** A `YYYY-MM-DDTHH:MM:SS.ffffffZ` that names a real instant (no February 31st), or -infinity. */
function isRealTime(value: string): boolean {
  if (value === "-infinity") return true;
  const ms = Date.parse(`${value.slice(0, 23)}Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19);
}

/** The opaque `X-Next-Cursor`: the sort's name and the last row's key values and id. */
export function encodeCursor(sort: ComputerSort, values: string[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify([sort, ...values]));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Reads a cursor made by `encodeCursor` for `sort`; anything else is a 400. */
export function decodeCursor(sort: ComputerSort, cursor: string): string[] {
  const bad = (why: string) =>
    new HttpError(400, "validation_failed", `Invalid request: after: ${why}`);
  let parsed: unknown;
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw bad("not a cursor from X-Next-Cursor");
  }
  const shapes = KEY_SHAPES[sort];
  if (
    !Array.isArray(parsed) || parsed.length !== shapes.length + 2 ||
    !parsed.every((v) => typeof v === "string")
  ) throw bad("not a cursor from X-Next-Cursor");
  const [cursorSort, ...values] = parsed as string[];
  if (cursorSort !== sort) throw bad(`the cursor is for sort=${cursorSort}, not sort=${sort}`);
  const id = values[values.length - 1];
  if (
    !UUID.test(id) || !shapes.every((shape, i) => shape.test(values[i])) ||
    (sort === "last_seen" && !isRealTime(values[0]))
  ) {
    throw bad("not a cursor from X-Next-Cursor");
  }
  return values;
}

async function toFilter(deps: FleetDeps, query: ComputerListQuery): Promise<ComputerListFilter> {
  const filter: ComputerListFilter = {
    search: query.search || undefined,
    version: query.version,
    hasErrors: query.has_errors,
    group: query.group,
    updating: query.updating,
  };
  if (query.status) {
    filter.online = { ids: deps.hub.onlineComputers(), want: query.status === "online" };
  }
  if (query.outdated !== undefined) {
    const stable = await deps.versions.latestStable();
    filter.outdated = { than: stable?.version ?? null, want: query.outdated };
  }
  return filter;
}

export interface ComputerListPage {
  computers: FleetComputer[];
  total: number;
  /** `total` is an estimate (a large fleet, many matches: see countComputers). */
  totalEstimated: boolean;
  nextCursor: string | null;
}

export async function listFleetComputers(
  deps: FleetDeps,
  query: ComputerListQuery,
): Promise<ComputerListPage> {
  const after = query.after === undefined ? undefined : decodeCursor(query.sort, query.after);
  const filter = await toFilter(deps, query);
  const [rows, count] = await Promise.all([
    listComputerPage(deps.db, filter, {
      sort: query.sort,
      desc: query.order === "desc",
      limit: query.limit === undefined ? undefined : query.limit + 1,
      after,
    }),
    countComputers(deps.db, filter),
  ]);
  const more = query.limit !== undefined && rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  return {
    computers: page.map(({ cursor: _, last_update_state, ...row }) => ({
      ...toComputerSummary(row, deps.hub.isOnline(row.id)),
      last_update_state,
    })),
    total: count.total,
    totalEstimated: count.estimated,
    nextCursor: more ? encodeCursor(query.sort, page[page.length - 1].cursor) : null,
  };
}

export async function summarizeFleet(deps: FleetDeps): Promise<FleetSummary> {
  const active = deps.rollouts.active;
  const [counts, stable, groups, states, rollout] = await Promise.all([
    countComputersByVersion(deps.db, deps.hub.onlineComputers()),
    deps.versions.latestStable(),
    countComputersByGroup(deps.db),
    countUpdateStates(deps.db),
    active ? deps.rollouts.get(active.id).catch(() => null) : null,
  ]);
  const valid = (v: string) => semver.valid(v) !== null;
  counts.sort((a, b) =>
    valid(a.version) && valid(b.version)
      ? semver.rcompare(a.version, b.version)
      : Number(valid(b.version)) - Number(valid(a.version))
  );
  const sum = (pick: (c: (typeof counts)[number]) => number) =>
    counts.reduce((n, c) => n + pick(c), 0);
  const below = (v: string) => stable !== null && valid(v) && semver.lt(v, stable.version);
  return {
    total: sum((c) => c.count),
    online: sum((c) => c.online),
    stable_version: stable?.version ?? null,
    by_version: counts.map(({ version, count, online }) => ({ version, count, online })),
    outdated: sum((c) => (below(c.version) ? c.count : 0)),
    updating: states.updating,
    failed: states.failed,
    with_errors: sum((c) => c.with_errors),
    by_group: groups,
    active_rollout: rollout,
  };
}
