/**
 * `/admin/rollouts/:id`: a rollout's stage, counts and progress, live; pause,
 * resume, advance and cancel, each confirmed first. A halted rollout shows its
 * reason and what to do about it at the top.
 */
import { useState } from "preact/hooks";
import { ROLLOUT_CHANGED } from "../../protocol/events.ts";
import type { Rollout } from "../../protocol/mod.ts";
import { pageClient } from "../api_client.ts";
import { ConfirmDialog } from "../components/confirm_dialog.tsx";
import { Notice, type NoticeValue } from "../components/notice.tsx";
import { Page } from "../components/page.tsx";
import { RolloutStatusBadge } from "../components/rollout_status.tsx";
import { formatDateTime } from "../format.ts";
import { useLiveUpdates } from "../live.ts";
import { BASE, Link } from "../router.tsx";
import { useLoader } from "../use_loader.ts";

type Action = "pause" | "resume" | "advance" | "cancel";
const EVENTS = [ROLLOUT_CHANGED];
const client = pageClient();

/** Which actions each status allows (the server answers 409 to the others). */
const ALLOWED: Record<string, Action[]> = {
  running: ["pause", "advance", "cancel"],
  paused: ["resume", "advance", "cancel"],
  halted: ["resume", "cancel"],
};

const CONFIRM: Record<Action, { title: string; label: string; text: string }> = {
  pause: {
    title: "Pause this rollout?",
    label: "Pause",
    text:
      "No further computers are offered the version until you resume. Updates under way finish.",
  },
  resume: {
    title: "Resume this rollout?",
    label: "Resume",
    text:
      "It goes on from its current stage. A halted rollout resumes despite its failures: do this only once the cause is fixed.",
  },
  advance: {
    title: "Advance to the next stage now?",
    label: "Advance",
    text: "The next stage's computers are offered the version at once, without waiting.",
  },
  cancel: {
    title: "Cancel this rollout?",
    label: "Cancel rollout",
    text:
      "No further computers are offered the version. Computers that already updated keep it. This cannot be undone.",
  },
};

function describeStage(stage: Rollout["stages"][number]): string {
  const parts = [];
  if (stage.groups?.length) {
    parts.push(`group${stage.groups.length > 1 ? "s" : ""} ${stage.groups.join(", ")}`);
  }
  if (stage.percent !== undefined) parts.push(`${stage.percent}% of the fleet`);
  const wait = stage.wait_s >= 3600
    ? `${(stage.wait_s / 3600).toFixed(1)} h`
    : `${Math.round(stage.wait_s / 60)} min`;
  return `${parts.join(" + ")}, then wait ${wait}`;
}

export function RolloutDetail(props: { rolloutId: string }) {
  const rollout = useLoader(
    () => client.getRollout(props.rolloutId) as Promise<unknown> as Promise<Rollout>,
    [props.rolloutId],
  );
  useLiveUpdates(EVENTS, rollout.reload);
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [notice, setNotice] = useState<NoticeValue | null>(null);
  const r = rollout.data;

  async function act(action: Action) {
    setConfirming(null);
    setNotice(null);
    try {
      await client.rolloutAction(props.rolloutId, action);
      setNotice({
        kind: "success",
        message: `Rollout ${action === "cancel" ? "cancelled" : `${action}d`}`,
      });
    } catch (err) {
      setNotice({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    }
    rollout.reload();
  }

  const pct = r && r.counts.cohort > 0 ? Math.round((100 * r.counts.updated) / r.counts.cohort) : 0;
  return (
    <Page title={r ? `Rollout of ${r.version}` : "Rollout"}>
      <p>
        <Link href={`${BASE}/rollouts`}>← Rollouts</Link>
      </p>
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      {rollout.error && <p class="notice notice-error" role="alert">{rollout.error}</p>}
      {rollout.loading && !r && <p class="muted">Loading…</p>}
      {r && r.status === "halted" && (
        <div class="card halted" role="alert" data-testid="halt-reason">
          <h2>Halted: no further computers get {r.version}</h2>
          <p>
            <strong>Why:</strong> {r.halt_reason ?? "the failure rule broke"}
          </p>
          <p>
            What to do: look at the failed attempts (Errors, or the computers' update history), fix
            the cause or upload a fixed version, then <strong>Resume</strong>{" "}
            to go on despite the failures, or <strong>Cancel</strong> to stop this rollout.
          </p>
        </div>
      )}
      {r && (
        <>
          <section class="card rollout-status" aria-labelledby="status-title">
            <h2 id="status-title">
              <RolloutStatusBadge status={r.status} /> Stage {r.stage_index + 1} of{" "}
              {r.stages.length}
            </h2>
            <div
              class="progress-bar"
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={pct}
              aria-label="Updated in the current cohort"
            >
              <span style={{ width: `${pct}%` }} />
            </div>
            <p class="muted">{pct}% of the current cohort updated</p>
            <div class="stat-row" data-testid="rollout-counts">
              {(["cohort", "updated", "in_progress", "failed", "pending"] as const).map((k) => (
                <div
                  key={k}
                  class={`stat ${k === "failed" && r.counts.failed > 0 ? "stat-error" : ""}`}
                >
                  <span class="stat-value" data-count={k}>{r.counts[k]}</span>
                  <span class="stat-label">{k.replace("_", " ")}</span>
                </div>
              ))}
            </div>
            <div class="actions">
              {(ALLOWED[r.status] ?? []).map((action) => (
                <button
                  key={action}
                  type="button"
                  class={action === "cancel" ? "danger" : "primary"}
                  onClick={() => setConfirming(action)}
                >
                  {CONFIRM[action].label}
                </button>
              ))}
            </div>
          </section>
          <h2>Stages</h2>
          <ol class="stage-list">
            {r.stages.map((s, i) => (
              <li
                key={i}
                class={i === r.stage_index ? "current" : i < r.stage_index ? "done" : ""}
                aria-current={i === r.stage_index ? "step" : undefined}
              >
                {describeStage(s)}
              </li>
            ))}
          </ol>
          <dl class="facts card">
            <dt>Halt rule</dt>
            <dd>
              {r.max_failures} failed attempts, or over{" "}
              {Math.round(r.max_failure_rate * 100)}% once 10 finished
            </dd>
            <dt>Started</dt>
            <dd>{formatDateTime(r.started_at)} by {r.created_by}</dd>
            <dt>This stage since</dt>
            <dd>{formatDateTime(r.stage_started_at)}</dd>
            {r.finished_at && (
              <>
                <dt>Finished</dt>
                <dd>{formatDateTime(r.finished_at)}</dd>
              </>
            )}
          </dl>
        </>
      )}
      {confirming && (
        <ConfirmDialog
          title={CONFIRM[confirming].title}
          confirmLabel={CONFIRM[confirming].label}
          onConfirm={() => act(confirming)}
          onCancel={() => setConfirming(null)}
        >
          <p>{CONFIRM[confirming].text}</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
