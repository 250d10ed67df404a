/**
 * `/admin/computers`, the landing page: the fleet's version distribution
 * against the stable version, its counts, and the computer table with search,
 * filters (kept in the URL), sortable columns and cursor paging. Live: the
 * admin socket's events reload the summary and the page shown (throttled).
 */
import { useMemo, useRef, useState } from "preact/hooks";
import { COMPUTERS_CHANGED, VERSIONS_CHANGED } from "../../protocol/events.ts";
import type { FleetComputer, FleetSummary, Rollout } from "../../protocol/mod.ts";
import { BASE, Link } from "../router.tsx";
import { pageClient } from "../api_client.ts";
import { CursorPager } from "../components/cursor_pager.tsx";
import { EnrollmentCard } from "../components/enrollment_card.tsx";
import { FleetTable } from "../components/fleet_table.tsx";
import { LabelledSelect } from "../components/labelled_select.tsx";
import { Page } from "../components/page.tsx";
import { VersionDistribution } from "../components/version_distribution.tsx";
import { formatCount } from "../format.ts";
import { useLiveUpdates } from "../live.ts";
import { throttle, useQuery } from "../use_query.ts";
import { useLoader } from "../use_loader.ts";

export const PAGE_SIZE = 50;
const EVENTS = [
  COMPUTERS_CHANGED,
  VERSIONS_CHANGED,
  "admin:errors_changed",
  "admin:rollout_changed",
];
/** The URL's filter and sort keys, exactly the API's query parameters. */
export const FILTER_KEYS = [
  "search",
  "status",
  "version",
  "group",
  "outdated",
  "has_errors",
  "updating",
] as const;

const client = pageClient();

export function FleetPage() {
  const [query, setQuery] = useQuery();
  const filters = Object.fromEntries(
    [...FILTER_KEYS, "sort", "order"].map((k) => [k, query.get(k) ?? ""]),
  );
  const key = JSON.stringify(filters);
  // The cursors of the pages before this one; reset whenever the filters change.
  const [trail, setTrail] = useState<{ key: string; cursors: (string | null)[] }>({
    key,
    cursors: [null],
  });
  const cursors = trail.key === key ? trail.cursors : [null];
  const after = cursors[cursors.length - 1];

  const summary = useLoader(() => client.fleetSummary(), []);
  const page = useLoader(
    () => client.listComputers({ ...filters, limit: PAGE_SIZE, after }),
    [key, after],
  );
  const latest = useRef({ summary, page });
  latest.current = { summary, page };
  const reloadBoth = useMemo(() =>
    throttle(() => {
      latest.current.summary.reload();
      latest.current.page.reload();
    }, 1_000), []);
  useLiveUpdates(EVENTS, reloadBoth);

  const set = (changes: Record<string, string | null>) => {
    setQuery(changes);
    setTrail({ key: "", cursors: [null] });
  };
  const items = (page.data?.items ?? []) as FleetComputer[];
  const total = page.data?.total ?? 0;
  const about = page.data?.total_estimated ? "about " : "";
  const first = (cursors.length - 1) * PAGE_SIZE;
  const activeFilters = FILTER_KEYS.filter((k) => filters[k] !== "");

  return (
    <Page title="Fleet">
      {/* One message when the server is unreachable, not one per request. */}
      {summary.error && !summary.data && !page.error && (
        <p class="notice notice-error" role="alert">Could not load the fleet: {summary.error}</p>
      )}
      {summary.data?.active_rollout && (
        <ActiveRolloutBanner
          rollout={summary.data.active_rollout}
        />
      )}
      {summary.data && (
        <VersionDistribution
          summary={summary.data as FleetSummary}
          onPickVersion={(version) => set({ version })}
          onPick={(f) => set({ [f]: "true" })}
        />
      )}
      <FleetFilters
        values={filters}
        versions={summary.data?.by_version.map((v) => v.version) ?? []}
        groups={summary.data?.by_group.map((g) => g.group) ?? []}
        onChange={set}
        onClear={() => set(Object.fromEntries(FILTER_KEYS.map((k) => [k, null])))}
        active={activeFilters.length}
      />
      {page.error && (
        <p class="notice notice-error" role="alert">Could not load computers: {page.error}</p>
      )}
      {page.loading && !page.data && <p class="muted">Loading…</p>}
      {page.data && (
        <p class="muted" aria-live="polite" data-testid="result-count">
          {total === 0
            ? "No computers match"
            : `${formatCount(first + 1)}–${formatCount(first + items.length)} of ${about}${
              formatCount(total)
            } computer${total === 1 ? "" : "s"}`}
          {activeFilters.length > 0 && " (filtered)"}
        </p>
      )}
      {page.data && total === 0 && activeFilters.length === 0 && !page.error && (
        <p class="empty">No computers yet. Use “Add a computer” below to enroll the first one.</p>
      )}
      {items.length > 0 && (
        <FleetTable
          computers={items}
          stableVersion={summary.data?.stable_version ?? null}
          sort={filters.sort || "hostname"}
          order={filters.order === "desc" ? "desc" : "asc"}
          onSort={(sort, order) => set({ sort, order })}
        />
      )}
      {page.data && (
        <CursorPager
          cursors={cursors}
          next={page.data.next_cursor}
          onChange={(next) => setTrail({ key, cursors: next })}
        />
      )}
      <EnrollmentCard />
    </Page>
  );
}

/** The running, paused or halted rollout, one line, linking to its page. */
function ActiveRolloutBanner(props: { rollout: Record<string, unknown> }) {
  const r = props.rollout as unknown as Rollout;
  return (
    <p
      class={`card rollout-banner ${r.status === "halted" ? "halted" : ""}`}
      data-testid="active-rollout"
    >
      Rollout of <strong>{r.version}</strong> {r.status}, stage {r.stage_index + 1} of{" "}
      {r.stages.length}: {r.counts.updated} of {r.counts.cohort} updated
      {r.counts.failed > 0 ? `, ${r.counts.failed} failed` : ""}.{" "}
      <Link href={`${BASE}/rollouts/${encodeURIComponent(r.id)}`}>Open the rollout</Link>
    </p>
  );
}

const STATUS_OPTIONS = [
  { value: "online", label: "Online" },
  { value: "offline", label: "Offline" },
];

interface FiltersProps {
  values: Record<string, string>;
  versions: string[];
  groups: string[];
  active: number;
  onChange: (changes: Record<string, string | null>) => void;
  onClear: () => void;
}

function FleetFilters(props: FiltersProps) {
  const { values, onChange } = props;
  const [search, setSearch] = useState(values.search);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const check = (name: string, label: string) => (
    <label class="check">
      <input
        type="checkbox"
        name={name}
        checked={values[name] === "true"}
        onChange={(e) => onChange({ [name]: e.currentTarget.checked ? "true" : null })}
      />
      {label}
    </label>
  );
  return (
    <form class="filters card" role="search" onSubmit={(e) => e.preventDefault()}>
      <label>
        Search
        <input
          type="search"
          name="search"
          placeholder="Hostname"
          value={search}
          onInput={(e) => {
            const value = e.currentTarget.value;
            setSearch(value);
            clearTimeout(timer.current);
            timer.current = setTimeout(() => onChange({ search: value }), 250);
          }}
        />
      </label>
      <LabelledSelect
        label="Status"
        name="status"
        value={values.status}
        options={STATUS_OPTIONS}
        onChange={(status) => onChange({ status })}
      />
      <LabelledSelect
        label="Version"
        name="version"
        value={values.version}
        options={props.versions}
        onChange={(version) => onChange({ version })}
      />
      <LabelledSelect
        label="Group"
        name="group"
        value={values.group}
        options={props.groups}
        onChange={(group) => onChange({ group })}
      />
      <div class="filter-checks">
        {check("outdated", "Outdated")}
        {check("has_errors", "Has errors")}
        {check("updating", "Updating")}
      </div>
      {props.active > 0 && (
        <button
          type="button"
          class="link-button"
          onClick={() => {
            setSearch("");
            props.onClear();
          }}
        >
          Clear filters ({props.active})
        </button>
      )}
    </form>
  );
}
