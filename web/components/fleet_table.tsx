/** The fleet's computer table: sortable headers, outdated and failing rows marked. */
import type { FleetComputer } from "../../protocol/mod.ts";
import { formatDateTime, formatLastSeen } from "../format.ts";
import { BASE, Link } from "../router.tsx";
import { compareVersions } from "../semver_order.ts";
import { OnlineBadge } from "./online_badge.tsx";

interface Props {
  computers: FleetComputer[];
  stableVersion: string | null;
  sort: string;
  order: "asc" | "desc";
  onSort: (sort: string, order: "asc" | "desc") => void;
}

export function FleetTable(props: Props) {
  const header = (sort: string, label: string) => {
    const active = props.sort === sort;
    const next = active && props.order === "asc" ? "desc" : "asc";
    return (
      <th
        scope="col"
        aria-sort={active ? (props.order === "asc" ? "ascending" : "descending") : undefined}
      >
        <button
          type="button"
          class="sort-button"
          data-sort={sort}
          onClick={() => props.onSort(sort, next)}
        >
          {label}
          <span aria-hidden="true">{active ? (props.order === "asc" ? " ▲" : " ▼") : " ↕"}</span>
        </button>
      </th>
    );
  };
  return (
    <table class="stack fleet-table">
      <caption class="visually-hidden">Computers</caption>
      <thead>
        <tr>
          {header("hostname", "Hostname")}
          <th scope="col">Status</th>
          {header("agent_version", "Version")}
          <th scope="col">Group</th>
          {header("last_seen", "Last seen")}
          <th scope="col">Update</th>
          <th scope="col">Errors</th>
        </tr>
      </thead>
      <tbody>
        {props.computers.map((c) => {
          const outdated = props.stableVersion !== null &&
            compareVersions(c.agent_version, props.stableVersion) < 0;
          const failed = c.last_update_state === "failed";
          return (
            <tr
              key={c.id}
              data-computer={c.hostname}
              data-id={c.id}
              class={[outdated ? "row-outdated" : "", failed ? "row-failed" : ""].join(" ")}
            >
              <th scope="row" data-label="Hostname">
                <Link href={`${BASE}/computers/${encodeURIComponent(c.id)}`}>{c.hostname}</Link>
                <span class="muted small-text">{c.os}</span>
              </th>
              <td data-label="Status">
                <OnlineBadge online={c.online} />
              </td>
              <td data-label="Version" class="nowrap">
                {c.agent_version}
                {outdated && <span class="badge badge-warn">Outdated</span>}
              </td>
              <td data-label="Group">{c.group}</td>
              <td data-label="Last seen" class="nowrap">
                <time dateTime={c.last_seen_at ?? undefined} title={formatDateTime(c.last_seen_at)}>
                  {formatLastSeen(c.online, c.last_seen_at)}
                </time>
              </td>
              <td data-label="Update">
                {c.last_update_state
                  ? (
                    <span
                      class={`badge ${
                        failed
                          ? "badge-error"
                          : c.last_update_state === "succeeded"
                          ? "badge-ok"
                          : "badge-info"
                      }`}
                    >
                      {c.last_update_state}
                    </span>
                  )
                  : <span class="muted">—</span>}
              </td>
              <td data-label="Errors">
                {c.active_error_count > 0
                  ? <span class="badge badge-error">{c.active_error_count}</span>
                  : <span class="muted">0</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
