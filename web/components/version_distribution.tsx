/**
 * The fleet's versions against the stable one, readable in a second: one bar
 * split by version (stable green, newer blue, behind amber), then counts of
 * who is on stable, behind, updating and failed. Each segment filters the table.
 */
import type { FleetSummary } from "../../protocol/mod.ts";
import { formatCount } from "../format.ts";
import { compareVersions } from "../semver_order.ts";

export type VersionStanding = "stable" | "newer" | "behind" | "unknown";

export function standingOf(version: string, stable: string | null): VersionStanding {
  if (stable === null) return "unknown";
  const order = compareVersions(version, stable);
  return order === 0 ? "stable" : order > 0 ? "newer" : "behind";
}

interface Props {
  summary: FleetSummary;
  onPickVersion: (version: string) => void;
  onPick: (filter: "outdated" | "updating" | "has_errors") => void;
}

export function VersionDistribution(props: Props) {
  const { summary } = props;
  const stable = summary.stable_version;
  const onStable = summary.by_version.find((v) => v.version === stable)?.count ?? 0;
  const pct = (n: number) => summary.total === 0 ? 0 : (100 * n) / summary.total;
  return (
    <section class="card distribution" aria-labelledby="distribution-title">
      <h2 id="distribution-title">
        Versions{" "}
        <span class="muted small-text">
          {stable
            ? (
              <>
                agents are offered <strong>{stable}</strong>
              </>
            )
            : "no stable version yet"}
        </span>
      </h2>
      {summary.total > 0 && (
        <div class="dist-bar" aria-label="Computers by version">
          {summary.by_version.map((v) => (
            <button
              type="button"
              key={v.version}
              class={`dist-seg dist-${standingOf(v.version, stable)}`}
              style={{ width: `${Math.max(pct(v.count), 0.5)}%` }}
              title={`${v.version}: ${formatCount(v.count)} computers (${
                formatCount(v.online)
              } online)`}
              data-version={v.version}
              data-count={v.count}
              onClick={() => props.onPickVersion(v.version)}
            >
              <span class="dist-label">{pct(v.count) >= 8 ? v.version : ""}</span>
            </button>
          ))}
        </div>
      )}
      <ul class="dist-legend">
        {summary.by_version.map((v) => (
          <li key={v.version} data-version={v.version}>
            <span class={`dot dist-${standingOf(v.version, stable)}`} aria-hidden="true" />
            <button
              type="button"
              class="link-button"
              onClick={() => props.onPickVersion(v.version)}
            >
              {v.version}
            </button>{" "}
            <span data-testid="version-count">{formatCount(v.count)}</span>
            <span class="muted">
              {` (${formatCount(v.online)} online)${v.version === stable ? " · stable" : ""}`}
            </span>
          </li>
        ))}
      </ul>
      <div class="stat-row">
        <Stat label="On stable" value={onStable} kind="ok" testId="stat-on-stable" />
        <Stat
          label="Behind"
          value={summary.outdated}
          kind="warn"
          testId="stat-outdated"
          onClick={() => props.onPick("outdated")}
        />
        <Stat
          label="Updating"
          value={summary.updating}
          kind="info"
          testId="stat-updating"
          onClick={() => props.onPick("updating")}
        />
        <Stat label="Failed" value={summary.failed} kind="error" testId="stat-failed" />
        <Stat label="Online" value={summary.online} kind="ok" testId="stat-online" />
        <Stat
          label="Offline"
          value={summary.total - summary.online}
          kind="off"
          testId="stat-offline"
        />
        <Stat
          label="With errors"
          value={summary.with_errors}
          kind="error"
          testId="stat-with-errors"
          onClick={() => props.onPick("has_errors")}
        />
      </div>
    </section>
  );
}

function Stat(
  props: { label: string; value: number; kind: string; testId: string; onClick?: () => void },
) {
  const body = (
    <>
      <span class="stat-value">{formatCount(props.value)}</span>
      <span class="stat-label">{props.label}</span>
    </>
  );
  return props.onClick
    ? (
      <button
        type="button"
        class={`stat stat-${props.kind}`}
        data-testid={props.testId}
        onClick={props.onClick}
      >
        {body}
      </button>
    )
    : <div class={`stat stat-${props.kind}`} data-testid={props.testId}>{body}</div>;
}
