/**
 * `/admin/errors`: the errors inbox across the fleet. Open errors newest first,
 * grouped by type (with counts), human titles with the code beside them,
 * details formatted; select many and resolve them with one note; resolved ones
 * say who resolved them and when. Live on `admin:errors_changed`.
 */
import { useMemo, useRef, useState } from "preact/hooks";
import { ERRORS_CHANGED } from "../../protocol/events.ts";
import type { ErrorTypeCount, FleetError } from "../../protocol/mod.ts";
import { pageClient } from "../api_client.ts";
import { CursorPager } from "../components/cursor_pager.tsx";
import { ErrorDetails } from "../components/error_details.tsx";
import { LabelledSelect } from "../components/labelled_select.tsx";
import { Notice, type NoticeValue } from "../components/notice.tsx";
import { Page } from "../components/page.tsx";
import { errorTitle } from "../error_display.ts";
import { formatCount, formatDateTime } from "../format.ts";
import { useLiveUpdates } from "../live.ts";
import { BASE, Link } from "../router.tsx";
import { throttle, useQuery } from "../use_query.ts";
import { useLoader } from "../use_loader.ts";

const PAGE_SIZE = 50;
const STATE_OPTIONS = [
  { value: "open", label: "Open" },
  { value: "resolved", label: "Resolved" },
  { value: "all", label: "All" },
];
const EVENTS = [ERRORS_CHANGED];
const client = pageClient();
const keyOf = (e: FleetError) => `${e.computer_id}/${e.id}`;

export function ErrorsPage() {
  const [query, setQuery] = useQuery();
  const type = query.get("error_type") ?? "";
  const state = query.get("state") ?? "open";
  const resolved = state === "open" ? false : state === "resolved" ? true : undefined;
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const types = useLoader(
    () => client.call<ErrorTypeCount[]>("GET", "/api/admin/errors/types").then((r) => r.data),
    [],
  );
  const list = useLoader(
    () => client.listErrors({ error_type: type, resolved, limit: PAGE_SIZE, after }),
    [type, state, after],
  );
  const latest = useRef({ types, list });
  latest.current = { types, list };
  const reload = useMemo(() =>
    throttle(() => {
      latest.current.types.reload();
      latest.current.list.reload();
    }, 1_000), []);
  useLiveUpdates(EVENTS, reload);

  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notes, setNotes] = useState("");
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<NoticeValue | null>(null);
  const errors = (list.data?.items ?? []) as FleetError[];
  const open = errors.filter((e) => !e.resolved);
  const set = (changes: Record<string, string | null>) => {
    setQuery(changes);
    setCursors([null]);
    setSelected(new Set());
  };
  const toggle = (key: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(key);
    else next.delete(key);
    setSelected(next);
  };
  const allOnPage = open.length > 0 && open.every((e) => selected.has(keyOf(e)));

  async function resolveSelected(e: Event) {
    e.preventDefault();
    setBusy(true);
    setNotice(null);
    try {
      const chosen = errors.filter((err) => selected.has(keyOf(err)));
      const reply = await client.resolveErrors(
        chosen.map((err) => ({ computer_id: err.computer_id, error_id: err.id })),
        notes.trim() || null,
      );
      const skipped = chosen.length - reply.resolved;
      setNotice({
        kind: "success",
        message: `Resolved ${reply.resolved} error${reply.resolved === 1 ? "" : "s"}` +
          (skipped > 0 ? ` (${skipped} already resolved or gone)` : ""),
      });
      setSelected(new Set());
      setNotes("");
    } catch (err) {
      setNotice({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    }
    setBusy(false);
    reload();
  }

  const totalOpen = (types.data ?? []).reduce((n, t) => n + t.open, 0);
  return (
    <Page title="Errors">
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      <nav class="type-chips card" aria-label="Error types">
        <button
          type="button"
          class={type === "" ? "chip chip-on" : "chip"}
          aria-pressed={type === ""}
          onClick={() => set({ error_type: null })}
        >
          All types <span class="badge badge-error">{formatCount(totalOpen)}</span>
        </button>
        {(types.data ?? []).map((t) => (
          <button
            type="button"
            key={t.error_type}
            class={type === t.error_type ? "chip chip-on" : "chip"}
            aria-pressed={type === t.error_type}
            data-error-type={t.error_type}
            onClick={() => set({ error_type: t.error_type })}
          >
            {errorTitle(t.error_type)} <span class="badge badge-error">{formatCount(t.open)}</span>
          </button>
        ))}
        <LabelledSelect
          label="Show"
          class="inline-select"
          name="state"
          value={state}
          options={STATE_OPTIONS}
          any={null}
          onChange={(value) => set({ state: value })}
        />
      </nav>
      {list.error && (
        <p class="notice notice-error" role="alert">Could not load errors: {list.error}</p>
      )}
      {list.loading && !list.data && <p class="muted">Loading…</p>}
      {list.data && (
        <p class="muted" data-testid="error-count" aria-live="polite">
          {formatCount(list.data.total ?? 0)} {state === "all" ? "" : `${state} `}error
          {list.data.total === 1 ? "" : "s"}
          {type ? ` of type ${type}` : ""}
        </p>
      )}
      {list.data && errors.length === 0 && (
        <p class="empty">{state === "open" ? "No open errors. All clear." : "No errors match."}</p>
      )}
      {open.length > 0 && (
        <form class="card bulk-resolve" onSubmit={resolveSelected}>
          <label class="check">
            <input
              type="checkbox"
              checked={allOnPage}
              onChange={(e) => {
                const next = new Set(selected);
                for (const err of open) {
                  if (e.currentTarget.checked) next.add(keyOf(err));
                  else next.delete(keyOf(err));
                }
                setSelected(next);
              }}
            />
            Select all {open.length} open on this page
          </label>
          <label for="bulk-notes">Resolution note</label>
          <textarea
            id="bulk-notes"
            rows={2}
            value={notes}
            placeholder="What was done (optional), saved on each error"
            onInput={(e) => setNotes(e.currentTarget.value)}
          />
          <button type="submit" class="primary" disabled={busy || selected.size === 0}>
            {busy ? "Resolving…" : `Resolve selected (${selected.size})`}
          </button>
        </form>
      )}
      {errors.map((err) => (
        <article
          key={keyOf(err)}
          class={`card error-item ${err.resolved ? "resolved" : "active"}`}
          data-error-type={err.error_type}
          data-error-id={err.id}
        >
          <header class="error-head">
            {!err.resolved && (
              <input
                type="checkbox"
                aria-label={`Select ${errorTitle(err.error_type)} on ${err.hostname}`}
                checked={selected.has(keyOf(err))}
                onChange={(e) => toggle(keyOf(err), e.currentTarget.checked)}
              />
            )}
            <strong class="error-title">{errorTitle(err.error_type)}</strong>
            <code class="error-type">{err.error_type}</code>
          </header>
          <p class="muted small-text">
            <Link href={`${BASE}/computers/${encodeURIComponent(err.computer_id)}`}>
              {err.hostname}
            </Link>{" "}
            · <time dateTime={err.reported_at}>{formatDateTime(err.reported_at)}</time>
          </p>
          <p class="error-message">{err.error_message}</p>
          <details>
            <summary>Details</summary>
            <ErrorDetails details={err.error_details} />
          </details>
          {err.resolved && (
            <p class="muted resolution">
              Resolved {formatDateTime(err.resolved_at)}
              {err.resolved_by ? ` by ${err.resolved_by}` : ""}
              {err.resolution_notes ? `: ${err.resolution_notes}` : ""}
            </p>
          )}
        </article>
      ))}
      {list.data && (
        <CursorPager
          cursors={cursors}
          next={list.data.next_cursor}
          onChange={setCursors}
          newestFirst
        />
      )}
    </Page>
  );
}
