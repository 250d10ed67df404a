/** A computer's editable settings: group, pin, pause and download limit (PATCH). */
import { useState } from "preact/hooks";
import type { ComputerSummary } from "../../protocol/mod.ts";

interface Props {
  computer: ComputerSummary;
  onSave: (changes: Record<string, unknown>) => Promise<void>;
}

export function ComputerSettings(props: Props) {
  const c = props.computer;
  const [group, setGroup] = useState(c.group);
  const [pin, setPin] = useState(c.pinned_version ?? "");
  const [paused, setPaused] = useState(c.updates_paused);
  const [limit, setLimit] = useState(c.download_limit_kbps?.toString() ?? "");
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: Event) {
    e.preventDefault();
    const changes: Record<string, unknown> = {};
    if (group.trim() !== c.group) changes.group = group.trim();
    if ((pin.trim() || null) !== c.pinned_version) changes.pinned_version = pin.trim() || null;
    if (paused !== c.updates_paused) changes.updates_paused = paused;
    const kbps = limit.trim() === "" ? null : Number(limit);
    if (kbps !== c.download_limit_kbps) changes.download_limit_kbps = kbps;
    if (Object.keys(changes).length === 0) return;
    setBusy(true);
    await props.onSave(changes);
    setBusy(false);
  }

  return (
    <form class="card settings" onSubmit={onSubmit} aria-labelledby="settings-title">
      <h2 id="settings-title">Update settings</h2>
      <div class="settings-grid">
        <label>
          Group
          <input
            name="group"
            value={group}
            required
            maxLength={100}
            onInput={(e) => setGroup(e.currentTarget.value)}
          />
          <span class="muted small-text">Rollout stages can target a group (e.g. canary)</span>
        </label>
        <label>
          Pinned version
          <input
            name="pinned_version"
            value={pin}
            placeholder="none"
            onInput={(e) => setPin(e.currentTarget.value)}
          />
          <span class="muted small-text">Never offered anything above it</span>
        </label>
        <label>
          Download limit (kbit/s)
          <input
            name="download_limit_kbps"
            type="number"
            min={1}
            value={limit}
            placeholder="server default"
            onInput={(e) => setLimit(e.currentTarget.value)}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="updates_paused"
            checked={paused}
            onChange={(e) => setPaused(e.currentTarget.checked)}
          />
          Pause updates (offered nothing)
        </label>
      </div>
      <button type="submit" class="primary" disabled={busy}>{busy ? "Saving…" : "Save"}</button>
    </form>
  );
}
