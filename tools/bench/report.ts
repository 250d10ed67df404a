/**
 * Benchmark figures: each one is printed as a JSON line the moment it is
 * measured (so a long run that dies still leaves its results), and all of them
 * again as a table at the end, every value next to its target and baseline.
 */

/** A target a figure must meet: `value <op> limit`. */
export interface Target {
  op: "<=" | ">=";
  limit: number;
}

export interface Figure {
  scenario: string;
  name: string;
  value: number;
  unit: string;
  target?: Target;
  /** The comparison value measured in the same run (bare route, plain file server, ...). */
  baseline?: number;
  /** Whether the target is met; absent when the figure has no target. */
  ok?: boolean;
  note?: string;
}

export type FigureInput = Omit<Figure, "scenario" | "ok">;

/** Collects a scenario's figures; `add` prints each as one JSON line on stdout (unless `quiet`). */
export class Report {
  readonly figures: Figure[] = [];

  constructor(private readonly quiet = false) {}

  add(scenario: string, input: FigureInput): Figure {
    const figure: Figure = { scenario, ...input, value: round(input.value) };
    if (input.baseline !== undefined) figure.baseline = round(input.baseline);
    if (input.target) figure.ok = meets(figure.value, input.target);
    this.figures.push(figure);
    if (!this.quiet) console.log(JSON.stringify(figure));
    return figure;
  }

  /** The readable table of every figure so far (Markdown, so docs can take it as is). */
  table(): string {
    const rows = [
      ["scenario", "figure", "value", "target", "baseline", "ok", "note"],
      ...this.figures.map((f) => [
        f.scenario,
        f.name,
        `${f.value} ${f.unit}`,
        f.target ? `${f.target.op} ${f.target.limit}` : "",
        f.baseline === undefined ? "" : String(f.baseline),
        f.ok === undefined ? "" : f.ok ? "yes" : "NO",
        f.note ?? "",
      ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
    const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
    return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
  }
}

export function meets(value: number, target: Target): boolean {
  return target.op === "<=" ? value <= target.limit : value >= target.limit;
}

/** Three significant decimals at most: enough for a table, stable in JSON. */
function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const digits = Math.abs(value) >= 100 ? 1 : 3;
  return Number(value.toFixed(digits));
}

/** The `p`-th percentile (0..100) of `values` (nearest rank); NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** The largest of `values` (NaN when empty); spreading 100,000 values into Math.max overflows the stack. */
export function maximum(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

/** Progress for the person watching; stderr keeps stdout to JSON lines and the table. */
export function progress(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
