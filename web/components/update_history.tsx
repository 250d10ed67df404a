/** A computer's update attempts, newest first: versions, state, progress, error, duration. */
import type { UpdateAttempt } from "../../protocol/mod.ts";
import { errorTitle } from "../error_display.ts";
import { formatDateTime } from "../format.ts";
import { StackTable } from "./stack_table.tsx";

function duration(a: UpdateAttempt): string {
  const end = a.finished_at ? Date.parse(a.finished_at) : Date.now();
  const s = Math.max(0, Math.round((end - Date.parse(a.started_at)) / 1000));
  const text = s < 60
    ? `${s} s`
    : s < 3600
    ? `${Math.floor(s / 60)} min ${s % 60} s`
    : `${(s / 3600).toFixed(1)} h`;
  return a.finished_at ? text : `${text} so far`;
}

const BADGE: Record<string, string> = {
  succeeded: "badge-ok",
  failed: "badge-error",
};

export function UpdateHistory(props: { attempts: UpdateAttempt[] }) {
  if (props.attempts.length === 0) {
    return <p class="empty">No update attempts yet.</p>;
  }
  return (
    <StackTable
      caption="Update attempts"
      class="update-history"
      columns={["Started", "Update", "State", "Error", "Duration"]}
    >
      {props.attempts.map((a) => (
        <tr key={a.attempt_id} data-attempt={a.attempt_id} data-state={a.state}>
          <td data-label="Started" class="nowrap">{formatDateTime(a.started_at)}</td>
          <th scope="row" data-label="Update" class="nowrap">
            {a.from_version} → {a.to_version}
            {a.rollout_id && <span class="muted small-text">rollout</span>}
          </th>
          <td data-label="State">
            <span class={`badge ${BADGE[a.state] ?? "badge-info"}`}>{a.state}</span>
            {a.progress !== null && a.state !== "succeeded" && a.state !== "failed" && (
              <progress max={1} value={a.progress} aria-label="Progress" />
            )}
          </td>
          <td data-label="Error">
            {a.error_type
              ? (
                <>
                  {errorTitle(a.error_type)} <code class="muted small-text">{a.error_type}</code>
                  {a.message && <div class="small-text">{a.message}</div>}
                </>
              )
              : <span class="muted">—</span>}
          </td>
          <td data-label="Duration" class="nowrap">{duration(a)}</td>
        </tr>
      ))}
    </StackTable>
  );
}
