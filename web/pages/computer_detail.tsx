/** `/admin/computers/:id`: one computer and the errors its agent reported. */
import { useState } from "preact/hooks";
import { COMPUTERS_CHANGED } from "../../protocol/events.ts";
import type { ComputerError } from "../../protocol/schemas.ts";
import { getComputer, getComputerErrors, resolveComputerError } from "../api.ts";
import { ErrorItem } from "../components/error_item.tsx";
import { Notice, type NoticeValue } from "../components/notice.tsx";
import { OnlineBadge } from "../components/online_badge.tsx";
import { Page } from "../components/page.tsx";
import { formatDateTime } from "../format.ts";
import { useLiveUpdates } from "../live.ts";
import { BASE, Link } from "../router.tsx";
import { useLoader } from "../use_loader.ts";

const EVENTS = [COMPUTERS_CHANGED];

/** Active errors first, then newest first. */
function byActiveThenNewest(a: ComputerError, b: ComputerError): number {
  if (a.resolved !== b.resolved) return a.resolved ? 1 : -1;
  return b.reported_at.localeCompare(a.reported_at);
}

export function ComputerDetail(props: { computerId: string }) {
  const { computerId } = props;
  const data = useLoader(
    () => Promise.all([getComputer(computerId), getComputerErrors(computerId)]),
    [computerId],
  );
  const [notice, setNotice] = useState<NoticeValue | null>(null);
  useLiveUpdates(EVENTS, data.reload);

  async function resolve(error: ComputerError, notes: string) {
    try {
      await resolveComputerError(computerId, error.id, notes);
      setNotice({ kind: "success", message: `Resolved ${error.error_type}` });
    } catch (err) {
      setNotice({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    }
    data.reload();
  }

  const [computer, errors] = data.data ?? [null, []];
  const active = errors.filter((e) => !e.resolved).length;
  return (
    <Page title={computer?.hostname ?? "Computer"}>
      <p>
        <Link href={`${BASE}/computers`}>← Fleet</Link>
      </p>
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      {data.error && <p class="notice notice-error" role="alert">{data.error}</p>}
      {data.loading && !data.data && <p class="muted">Loading…</p>}
      {computer && (
        <dl class="card facts">
          <dt>Status</dt>
          <dd>
            <OnlineBadge online={computer.online} />
          </dd>
          <dt>Agent version</dt>
          <dd>{computer.agent_version}</dd>
          <dt>OS</dt>
          <dd>{computer.os}</dd>
          <dt>Last seen</dt>
          <dd>{computer.online ? "connected" : formatDateTime(computer.last_seen_at)}</dd>
          <dt>Enrolled</dt>
          <dd>{formatDateTime(computer.created_at)}</dd>
          <dt>Agent id</dt>
          <dd>
            <code>{computer.agent_id}</code>
          </dd>
        </dl>
      )}
      {data.data && (
        <>
          <h2>Errors ({active} active)</h2>
          {errors.length === 0 && <p class="empty">This agent has reported no errors.</p>}
          {[...errors].sort(byActiveThenNewest).map((e) => (
            <ErrorItem key={e.id} error={e} onResolve={resolve} />
          ))}
        </>
      )}
    </Page>
  );
}
