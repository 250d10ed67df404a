/** One reported error: what happened, its details on demand, and Resolve with notes. */
import { useState } from "preact/hooks";
import type { ComputerError } from "../../protocol/schemas.ts";
import { errorTitle } from "../error_display.ts";
import { formatDateTime } from "../format.ts";
import { ErrorDetails } from "./error_details.tsx";

interface ErrorItemProps {
  error: ComputerError;
  onResolve: (error: ComputerError, notes: string) => Promise<void>;
}

export function ErrorItem(props: ErrorItemProps) {
  const { error } = props;
  const [notes, setNotes] = useState("");
  const [busy, setBusy] = useState(false);
  const notesId = `notes-${error.id}`;

  async function onSubmit(e: Event) {
    e.preventDefault();
    setBusy(true);
    await props.onResolve(error, notes);
    setBusy(false);
  }

  return (
    <article
      class={`card error-item ${error.resolved ? "resolved" : "active"}`}
      data-error-type={error.error_type}
    >
      <header class="error-head">
        <strong class="error-title">{errorTitle(error.error_type)}</strong>
        <code class="error-type">{error.error_type}</code>
        {error.resolved
          ? <span class="badge badge-off">Resolved</span>
          : <span class="badge badge-error">Active</span>}
        <time class="muted" dateTime={error.reported_at}>
          Reported {formatDateTime(error.reported_at)}
        </time>
      </header>
      <p class="error-message">{error.error_message}</p>
      <details>
        <summary>Details</summary>
        <ErrorDetails details={error.error_details} />
      </details>
      {error.resolved
        ? (
          <p class="muted resolution">
            Resolved {formatDateTime(error.resolved_at)}
            {error.resolved_by ? ` by ${error.resolved_by}` : ""}
            {error.resolution_notes ? `: ${error.resolution_notes}` : ""}
          </p>
        )
        : (
          <form class="resolve" onSubmit={onSubmit}>
            <label for={notesId}>Resolution notes</label>
            <textarea
              id={notesId}
              rows={2}
              value={notes}
              disabled={busy}
              placeholder="What was done (optional)"
              onInput={(e) => setNotes(e.currentTarget.value)}
            />
            <button type="submit" class="primary" disabled={busy}>
              {busy ? "Resolving…" : "Resolve"}
            </button>
          </form>
        )}
    </article>
  );
}
