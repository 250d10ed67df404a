/** A rollout's status as a badge (text and colour, never colour alone). */
const KIND: Record<string, string> = {
  running: "badge-info",
  paused: "badge-warn",
  halted: "badge-error",
  completed: "badge-ok",
  cancelled: "badge-off",
};

export function RolloutStatusBadge(props: { status: string }) {
  return <span class={`badge ${KIND[props.status] ?? "badge-off"}`}>{props.status}</span>;
}
