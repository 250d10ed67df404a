/** `/admin/audit`: the audit log, newest first, filtered by action and actor, paged. */
import { useState } from "preact/hooks";
import { AUDIT_ACTIONS, type AuditEntry } from "../../protocol/mod.ts";
import { pageClient } from "../api_client.ts";
import { CursorPager } from "../components/cursor_pager.tsx";
import { LabelledSelect } from "../components/labelled_select.tsx";
import { Page } from "../components/page.tsx";
import { StackTable } from "../components/stack_table.tsx";
import { formatDateTime } from "../format.ts";
import { useQuery } from "../use_query.ts";
import { useLoader } from "../use_loader.ts";

const PAGE_SIZE = 50;
const client = pageClient();

/** What an action means, in words. */
const ACTION_LABELS: Record<string, string> = {
  "auth.sign_in": "Signed in",
  "auth.sign_in_failed": "Failed sign-in",
  "auth.sign_out": "Signed out",
  "version.upload": "Uploaded a version",
  "version.set_stable": "Changed the stable flag",
  "error.resolve": "Resolved errors",
  "computer.update": "Changed a computer",
  "computer.delete": "Decommissioned a computer",
  "enrollment_token.rotate": "Rotated the enrollment token",
  "rollout.create": "Started a rollout",
  "rollout.pause": "Paused a rollout",
  "rollout.resume": "Resumed a rollout",
  "rollout.advance": "Advanced a rollout",
  "rollout.cancel": "Cancelled a rollout",
  "rollout.halt": "Halted a rollout",
  "rollout.complete": "Completed a rollout",
  "api_token.create": "Created an API token",
  "api_token.delete": "Revoked an API token",
};

const ACTION_OPTIONS = Object.values(AUDIT_ACTIONS).map((value) => ({
  value,
  label: ACTION_LABELS[value] ?? value,
}));

/** `details` as short "key: value" pairs. */
function describe(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k.replaceAll("_", " ")}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
}

export function AuditPage() {
  const [query, setQuery] = useQuery();
  const action = query.get("action") ?? "";
  const actor = query.get("actor") ?? "";
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const log = useLoader(
    () => client.listAudit({ action, actor, limit: PAGE_SIZE, after }),
    [action, actor, after],
  );
  const set = (changes: Record<string, string | null>) => {
    setQuery(changes);
    setCursors([null]);
  };
  const entries: AuditEntry[] = log.data?.items ?? [];

  return (
    <Page title="Audit log">
      <p class="muted">
        Every admin change, sign-in and sign-out, and every step a rollout took on its own (by{" "}
        <code>system</code>). Entries are never changed or deleted.
      </p>
      <form class="filters card" role="search" onSubmit={(e) => e.preventDefault()}>
        <LabelledSelect
          label="Action"
          name="action"
          value={action}
          options={ACTION_OPTIONS}
          onChange={(value) => set({ action: value })}
        />
        <label>
          Actor
          <input
            type="text"
            name="actor"
            value={actor}
            placeholder="Anyone"
            onChange={(e) => set({ actor: e.currentTarget.value.trim() })}
          />
        </label>
      </form>
      {log.error && (
        <p class="notice notice-error" role="alert">Could not load the log: {log.error}</p>
      )}
      {log.loading && !log.data && <p class="muted">Loading…</p>}
      {log.data && entries.length === 0 && <p class="empty">No entries match.</p>}
      {entries.length > 0 && (
        <StackTable
          caption="Audit log"
          class="audit-table"
          columns={["When", "Who", "What", "Details"]}
        >
          {entries.map((e) => (
            <tr key={e.id} data-action={e.action} data-actor={e.actor}>
              <td data-label="When" class="nowrap">
                <time dateTime={e.at}>{formatDateTime(e.at)}</time>
              </td>
              <td data-label="Who">
                {e.actor === "system" ? <span class="badge badge-info">system</span> : e.actor}
              </td>
              <th scope="row" data-label="What">
                {ACTION_LABELS[e.action] ?? e.action}{" "}
                <code class="muted small-text">{e.action}</code>
              </th>
              <td data-label="Details" class="audit-details">
                {e.target_type && (
                  <span class="muted">
                    {e.target_type} {e.target_id ? e.target_id.slice(0, 8) : ""}
                    {" "}
                  </span>
                )}
                {describe(e.details)}
              </td>
            </tr>
          ))}
        </StackTable>
      )}
      {log.data && (
        <CursorPager
          cursors={cursors}
          next={log.data.next_cursor}
          onChange={setCursors}
          newestFirst
        />
      )}
    </Page>
  );
}
