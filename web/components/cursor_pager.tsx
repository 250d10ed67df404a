/**
 * Paging by cursor (`X-Next-Cursor`): the cursors of the pages seen so far are
 * kept, so "previous" goes back without the server paging backwards.
 */
interface Props {
  /** The `after` of each page shown so far; the first is null. */
  cursors: (string | null)[];
  /** The reply's `X-Next-Cursor`, or null on the last page. */
  next: string | null;
  onChange: (cursors: (string | null)[]) => void;
  /** A list newest first: the buttons say "Newest", "Newer", "Older". */
  newestFirst?: boolean;
}

export function CursorPager(props: Props) {
  const { cursors, next } = props;
  const [first, previous, following] = props.newestFirst
    ? ["Newest", "Newer", "Older"]
    : ["First", "Previous", "Next"];
  if (cursors.length <= 1 && !next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={cursors.length <= 1} onClick={() => props.onChange([null])}>
        {first}
      </button>
      <button
        type="button"
        disabled={cursors.length <= 1}
        onClick={() => props.onChange(cursors.slice(0, -1))}
      >
        {previous}
      </button>
      <span class="muted">Page {cursors.length}</span>
      <button
        type="button"
        class="primary"
        disabled={!next}
        onClick={() => props.onChange([...cursors, next])}
      >
        {following}
      </button>
    </nav>
  );
}
