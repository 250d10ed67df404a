/** Human output: aligned plain-text tables and key/value facts. */

export type Cell = string | number | boolean | null | undefined;

function show(value: Cell): string {
  if (value === null || value === undefined || value === "") return "-";
  return String(value);
}

/** A table with a header row; columns as wide as their widest cell. */
export function table(headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(show))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells
    .map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd())
    .join("\n");
}

/** `key: value` lines, keys aligned. */
export function facts(entries: [string, Cell][]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${show(value)}`).join("\n");
}

/** One page of a cursor-paged list: its table, then how to ask for the next page. */
export function pageTable<T>(
  page: { items: T[]; next_cursor: string | null },
  headers: string[],
  row: (item: T) => Cell[],
): { json: { items: T[]; next_cursor: string | null }; human: string } {
  let human = table(headers, page.items.map(row));
  if (page.next_cursor) human += `\nnext page: --after ${page.next_cursor}`;
  return { json: { items: page.items, next_cursor: page.next_cursor }, human };
}
