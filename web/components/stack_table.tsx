/**
 * A table that stacks into labelled cards on a narrow screen (`.stack`): a
 * caption for screen readers, a header row of column names, then the rows.
 */
import type { ComponentChildren } from "preact";

/** A column's visible name, or `{ hidden }` for one named only to screen readers. */
export type StackColumn = string | { hidden: string };

export interface StackTableProps {
  caption: string;
  columns: StackColumn[];
  /** Extra classes besides `stack`. */
  class?: string;
  /** The `<tr>` rows. */
  children: ComponentChildren;
}

export function StackTable(props: StackTableProps) {
  return (
    <table class={props.class ? `stack ${props.class}` : "stack"}>
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map((column) =>
            typeof column === "string"
              ? <th key={column} scope="col">{column}</th>
              : (
                <th key={column.hidden} scope="col">
                  <span class="visually-hidden">{column.hidden}</span>
                </th>
              )
          )}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}
