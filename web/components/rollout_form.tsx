/**
 * Start a rollout: a version newer than the stable one, stages (a canary group
 * or 1%, then 10%, 50%, 100%, an hour apart), and the halt rule (3 failures,
 * or over 10% once 10 attempts finished).
 */
import { useState } from "preact/hooks";
import type { AgentVersionRecord } from "../../protocol/mod.ts";
import { compareVersions } from "../semver_order.ts";

interface StageDraft {
  percent: string;
  groups: string;
  waitMin: string;
}

export function defaultStages(groups: string[]): StageDraft[] {
  const first = groups.includes("canary")
    ? { percent: "", groups: "canary", waitMin: "60" }
    : { percent: "1", groups: "", waitMin: "60" };
  return [
    first,
    { percent: "10", groups: "", waitMin: "60" },
    { percent: "50", groups: "", waitMin: "60" },
    { percent: "100", groups: "", waitMin: "0" },
  ];
}

interface Props {
  versions: AgentVersionRecord[];
  groups: string[];
  onStart: (request: Record<string, unknown>) => Promise<void>;
}

export function RolloutForm(props: Props) {
  const stable = props.versions.find((v) => v.is_stable)?.version ?? null;
  const candidates = props.versions.filter((v) =>
    stable === null || compareVersions(v.version, stable) > 0
  );
  const [versionId, setVersionId] = useState(candidates[0]?.id ?? "");
  const [stages, setStages] = useState<StageDraft[]>(() => defaultStages(props.groups));
  const [maxFailures, setMaxFailures] = useState("3");
  const [maxRate, setMaxRate] = useState("10");
  const [busy, setBusy] = useState(false);

  if (candidates.length === 0) {
    return (
      <p class="empty">
        No version newer than the stable one{stable ? ` (${stable})` : ""}: upload one on{" "}
        <a href="/admin/agent-versions">Agent versions</a> first.
      </p>
    );
  }

  const change = (i: number, field: keyof StageDraft, value: string) =>
    setStages(stages.map((s, j) => (j === i ? { ...s, [field]: value } : s)));

  async function onSubmit(e: Event) {
    e.preventDefault();
    setBusy(true);
    await props.onStart({
      version_id: versionId || candidates[0].id,
      stages: stages.map((s) => ({
        ...(s.percent.trim() ? { percent: Number(s.percent) } : {}),
        ...(s.groups.trim()
          ? { groups: s.groups.split(",").map((g) => g.trim()).filter(Boolean) }
          : {}),
        wait_s: Math.round(Number(s.waitMin || "0") * 60),
      })),
      max_failures: Number(maxFailures),
      max_failure_rate: Number(maxRate) / 100,
    });
    setBusy(false);
  }

  return (
    <form class="card rollout-form" onSubmit={onSubmit} aria-labelledby="start-title">
      <h2 id="start-title">Start a rollout</h2>
      <label>
        Version
        <select
          name="version_id"
          value={versionId}
          onChange={(e) => setVersionId(e.currentTarget.value)}
        >
          {candidates.map((v) => <option key={v.id} value={v.id}>{v.version}</option>)}
        </select>
      </label>
      <div class="stages-wrap">
        <table class="stages">
          <caption>
            Stages: each widens who is offered the version; the next starts after its wait while
            healthy
          </caption>
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col">Percent of the fleet</th>
              <th scope="col">Groups (comma-separated)</th>
              <th scope="col">Then wait (min)</th>
              <th scope="col">
                <span class="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {stages.map((s, i) => (
              <tr key={i}>
                <th scope="row">{i + 1}</th>
                <td>
                  <input
                    aria-label={`Stage ${i + 1} percent`}
                    type="number"
                    min={1}
                    max={100}
                    value={s.percent}
                    onInput={(e) => change(i, "percent", e.currentTarget.value)}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Stage ${i + 1} groups`}
                    value={s.groups}
                    onInput={(e) => change(i, "groups", e.currentTarget.value)}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Stage ${i + 1} wait in minutes`}
                    type="number"
                    min={0}
                    value={s.waitMin}
                    onInput={(e) => change(i, "waitMin", e.currentTarget.value)}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    class="small"
                    disabled={stages.length === 1}
                    onClick={() => setStages(stages.filter((_, j) => j !== i))}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button
        type="button"
        class="small"
        onClick={() => setStages([...stages, { percent: "100", groups: "", waitMin: "0" }])}
      >
        Add a stage
      </button>
      <fieldset class="halt-rule">
        <legend>Halt when</legend>
        <label>
          Failed attempts reach
          <input
            name="max_failures"
            type="number"
            min={1}
            value={maxFailures}
            onInput={(e) => setMaxFailures(e.currentTarget.value)}
          />
        </label>
        <label>
          or, after 10 finished, failures exceed (%)
          <input
            name="max_failure_rate"
            type="number"
            min={0}
            max={100}
            value={maxRate}
            onInput={(e) => setMaxRate(e.currentTarget.value)}
          />
        </label>
      </fieldset>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Starting…" : "Start rollout"}
      </button>
    </form>
  );
}
