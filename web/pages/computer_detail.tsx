/**
 * `/admin/computers/:id`: one computer — its facts, its update settings (group,
 * pin, pause, download limit), its update history, the errors its agent
 * reported, and decommissioning (with a confirmation). Live.
 */
import { useState } from "preact/hooks";
import { COMPUTERS_CHANGED, ERRORS_CHANGED, ROLLOUT_CHANGED } from "../../protocol/events.ts";
import type { ComputerError, UpdateAttempt } from "../../protocol/mod.ts";
import { pageClient } from "../api_client.ts";
import { getComputer, getComputerErrors, resolveComputerError } from "../api.ts";
import { ComputerSettings } from "../components/computer_settings.tsx";
import { ConfirmDialog } from "../components/confirm_dialog.tsx";
import { ErrorItem } from "../components/error_item.tsx";
import { Notice, type NoticeValue } from "../components/notice.tsx";
import { OnlineBadge } from "../components/online_badge.tsx";
import { Page } from "../components/page.tsx";
import { UpdateHistory } from "../components/update_history.tsx";
import { formatDateTime } from "../format.ts";
import { useLiveUpdates } from "../live.ts";
import { BASE, Link, navigate } from "../router.tsx";
import { useLoader } from "../use_loader.ts";

const EVENTS = [COMPUTERS_CHANGED, ERRORS_CHANGED, ROLLOUT_CHANGED];
const client = pageClient();

/** Active errors first, then newest first. */
function byActiveThenNewest(a: ComputerError, b: ComputerError): number {
  if (a.resolved !== b.resolved) return a.resolved ? 1 : -1;
  return b.reported_at.localeCompare(a.reported_at);
}

const message = (err: unknown) => err instanceof Error ? err.message : String(err);

export function ComputerDetail(props: { computerId: string }) {
  const { computerId } = props;
  const data = useLoader(
    () =>
      Promise.all([
        getComputer(computerId),
        getComputerErrors(computerId),
        client.call<UpdateAttempt[]>(
          "GET",
          `/api/admin/computers/${encodeURIComponent(computerId)}/updates`,
        ).then((r) => r.data),
      ]),
    [computerId],
  );
  const [notice, setNotice] = useState<NoticeValue | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  useLiveUpdates(EVENTS, data.reload);

  async function resolve(error: ComputerError, notes: string) {
    setNotice(null);
    try {
      await resolveComputerError(computerId, error.id, notes);
      setNotice({ kind: "success", message: `Resolved ${error.error_type}` });
    } catch (err) {
      setNotice({ kind: "error", message: message(err) });
    }
    data.reload();
  }

  async function save(changes: Record<string, unknown>) {
    setNotice(null);
    try {
      await client.patchComputer(computerId, changes);
      setNotice({ kind: "success", message: "Settings saved" });
    } catch (err) {
      setNotice({ kind: "error", message: message(err) });
    }
    data.reload();
  }

  async function decommission() {
    setConfirmDelete(false);
    setNotice(null);
    try {
      await client.deleteComputer(computerId);
      navigate(`${BASE}/computers`);
    } catch (err) {
      setNotice({ kind: "error", message: message(err) });
    }
  }

  const [computer, errors, attempts] = data.data ?? [null, [], []];
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
        <>
          <dl class="card facts">
            <dt>Status</dt>
            <dd>
              <OnlineBadge online={computer.online} />
              {computer.updates_paused && <span class="badge badge-warn">Updates paused</span>}
            </dd>
            <dt>Agent version</dt>
            <dd>
              {computer.agent_version}
              {computer.pinned_version && (
                <span class="muted">(pinned to {computer.pinned_version})</span>
              )}
            </dd>
            <dt>Group</dt>
            <dd>{computer.group}</dd>
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
          <ComputerSettings key={computer.updated_at} computer={computer} onSave={save} />
          <h2>Update history</h2>
          <UpdateHistory attempts={attempts} />
          <h2>Errors ({active} active)</h2>
          {errors.length === 0 && <p class="empty">This agent has reported no errors.</p>}
          {[...errors].sort(byActiveThenNewest).map((e) => (
            <ErrorItem key={e.id} error={e} onResolve={resolve} />
          ))}
          <section class="card danger-zone" aria-labelledby="decommission-title">
            <h2 id="decommission-title">Decommission</h2>
            <p>
              Removes this computer: its agent token stops working at once and its history and
              errors are deleted. The agent must be enrolled again to come back.
            </p>
            <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
              Decommission {computer.hostname}
            </button>
          </section>
        </>
      )}
      {confirmDelete && computer && (
        <ConfirmDialog
          title={`Decommission ${computer.hostname}?`}
          confirmLabel="Decommission"
          onConfirm={decommission}
          onCancel={() => setConfirmDelete(false)}
        >
          <p>
            Its agent is disconnected and refused from now on, and its update history and errors are
            deleted. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
