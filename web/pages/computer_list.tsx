/** `/admin/computers`: every enrolled computer, its version and whether it is online, live. */
import { COMPUTERS_CHANGED } from "../../protocol/events.ts";
import { getComputers } from "../api.ts";
import { EnrollmentCard } from "../components/enrollment_card.tsx";
import { OnlineBadge } from "../components/online_badge.tsx";
import { Page } from "../components/page.tsx";
import { formatAgo, formatDateTime } from "../format.ts";
import { useLiveUpdates } from "../live.ts";
import { BASE, Link } from "../router.tsx";
import { useLoader } from "../use_loader.ts";

const EVENTS = [COMPUTERS_CHANGED];

export function ComputerList() {
  const computers = useLoader(getComputers, []);
  useLiveUpdates(EVENTS, computers.reload);
  const list = computers.data ?? [];
  const online = list.filter((c) => c.online).length;

  return (
    <Page title="Computers">
      <EnrollmentCard />
      {computers.error && (
        <p class="notice notice-error" role="alert">Could not load computers: {computers.error}</p>
      )}
      {computers.data && (
        <p class="muted" aria-live="polite">
          {list.length} computer{list.length === 1 ? "" : "s"}, {online} online
        </p>
      )}
      {computers.loading && !computers.data && <p class="muted">Loading…</p>}
      {computers.data && list.length === 0 && (
        <p class="empty">No computers yet. Use “Add a computer” above to enroll the first one.</p>
      )}
      {list.length > 0 && (
        <table class="stack">
          <caption class="visually-hidden">Computers</caption>
          <thead>
            <tr>
              <th scope="col">Hostname</th>
              <th scope="col">Status</th>
              <th scope="col">Agent version</th>
              <th scope="col">Last seen</th>
              <th scope="col">Active errors</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id} data-computer={c.hostname}>
                <th scope="row" data-label="Hostname">
                  <Link href={`${BASE}/computers/${encodeURIComponent(c.id)}`}>{c.hostname}</Link>
                  <span class="muted small-text">{c.os}</span>
                </th>
                <td data-label="Status">
                  <OnlineBadge online={c.online} />
                </td>
                <td data-label="Agent version">{c.agent_version}</td>
                <td data-label="Last seen">
                  <time
                    dateTime={c.last_seen_at ?? undefined}
                    title={formatDateTime(c.last_seen_at)}
                  >
                    {c.online ? "now" : formatAgo(c.last_seen_at)}
                  </time>
                </td>
                <td data-label="Active errors">
                  {c.active_error_count > 0
                    ? <span class="badge badge-error">{c.active_error_count}</span>
                    : <span class="muted">0</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
