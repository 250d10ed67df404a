/** `/admin/rollouts`: start a rollout, and every rollout newest first. Live. */
import { useState } from "preact/hooks";
import { ROLLOUT_CHANGED, VERSIONS_CHANGED } from "../../protocol/events.ts";
import type { CreateRolloutRequest, Rollout } from "../../protocol/mod.ts";
import { pageClient } from "../api_client.ts";
import { Notice, type NoticeValue } from "../components/notice.tsx";
import { Page } from "../components/page.tsx";
import { RolloutForm } from "../components/rollout_form.tsx";
import { RolloutStatusBadge } from "../components/rollout_status.tsx";
import { StackTable } from "../components/stack_table.tsx";
import { formatDateTime } from "../format.ts";
import { useLiveUpdates } from "../live.ts";
import { BASE, Link, navigate } from "../router.tsx";
import { useLoader } from "../use_loader.ts";

const EVENTS = [ROLLOUT_CHANGED, VERSIONS_CHANGED];
const client = pageClient();

export function RolloutsPage() {
  const data = useLoader(
    () =>
      Promise.all([
        client.listRollouts() as Promise<unknown> as Promise<Rollout[]>,
        client.listVersions(),
        client.fleetSummary(),
      ]),
    [],
  );
  useLiveUpdates(EVENTS, data.reload);
  const [notice, setNotice] = useState<NoticeValue | null>(null);
  const [rollouts, versions, summary] = data.data ?? [[], [], null];
  const active = rollouts.find((r) => ["running", "paused", "halted"].includes(r.status));

  async function start(request: Record<string, unknown>) {
    setNotice(null);
    try {
      // The form builds the body; the server validates it (400 names the field).
      const created = await client.createRollout(request as unknown as CreateRolloutRequest);
      navigate(`${BASE}/rollouts/${encodeURIComponent(created.id)}`);
    } catch (err) {
      setNotice({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    }
  }

  return (
    <Page title="Rollouts">
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      {data.error && <p class="notice notice-error" role="alert">{data.error}</p>}
      {data.loading && !data.data && <p class="muted">Loading…</p>}
      {active && (
        <p class={`card ${active.status === "halted" ? "halted" : ""}`}>
          Rollout of <strong>{active.version}</strong> is {active.status}:{" "}
          <Link href={`${BASE}/rollouts/${encodeURIComponent(active.id)}`}>open it</Link>. Only one
          rollout runs at a time.
        </p>
      )}
      {data.data && !active && (
        <RolloutForm
          versions={versions}
          groups={summary?.by_group.map((g) => g.group) ?? []}
          onStart={start}
        />
      )}
      <h2>All rollouts</h2>
      {data.data && rollouts.length === 0 && <p class="empty">No rollouts yet.</p>}
      {rollouts.length > 0 && (
        <StackTable
          caption="Rollouts"
          columns={["Version", "Status", "Stage", "Updated", "Started"]}
        >
          {rollouts.map((r) => (
            <tr key={r.id} data-rollout={r.id}>
              <th scope="row" data-label="Version">
                <Link href={`${BASE}/rollouts/${encodeURIComponent(r.id)}`}>{r.version}</Link>
              </th>
              <td data-label="Status">
                <RolloutStatusBadge status={r.status} />
              </td>
              <td data-label="Stage">{r.stage_index + 1} of {r.stages.length}</td>
              <td data-label="Updated">{r.counts.updated} of {r.counts.cohort}</td>
              <td data-label="Started" class="nowrap">{formatDateTime(r.started_at)}</td>
            </tr>
          ))}
        </StackTable>
      )}
    </Page>
  );
}
