/** An error's details as a labelled list, and its stack trace folded. */
import { detailRows } from "../error_display.ts";

export function ErrorDetails(props: { details: Record<string, unknown> }) {
  const rows = detailRows(props.details);
  const stack = props.details.stack_trace;
  return (
    <>
      {rows.length > 0 && (
        <dl class="error-details">
          {rows.map((row) => (
            <div key={row.label}>
              <dt>{row.label}</dt>
              <dd>{row.block ? <pre class="details">{row.value}</pre> : row.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {typeof stack === "string" && (
        <details class="stack">
          <summary>Stack trace ({stack.split("\n").length} lines)</summary>
          <pre class="details stack-trace">{stack}</pre>
        </details>
      )}
    </>
  );
}
