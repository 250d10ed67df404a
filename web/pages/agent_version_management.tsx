/** `/admin/agent-versions`: the plan's AgentVersionManagement — upload, list, mark stable. */
import { useState } from "preact/hooks";
import { ROLLOUT_CHANGED, VERSIONS_CHANGED } from "../../protocol/events.ts";
import type { AgentVersionRecord } from "../../protocol/schemas.ts";
import { getAgentVersions, setAgentVersionStability } from "../api.ts";
import { ConfirmDialog } from "../components/confirm_dialog.tsx";
import { Notice, type NoticeValue } from "../components/notice.tsx";
import { Page } from "../components/page.tsx";
import { UploadForm } from "../components/upload_form.tsx";
import { VersionTable } from "../components/version_table.tsx";
import { useLiveUpdates } from "../live.ts";
import { BASE, Link } from "../router.tsx";
import { pageClient } from "../api_client.ts";
import type { Rollout } from "../../protocol/mod.ts";
import { useLoader } from "../use_loader.ts";

const EVENTS = [VERSIONS_CHANGED, ROLLOUT_CHANGED];
const client = pageClient();

/**
 * Which version agents get now: the highest stable one (the list is highest
 * first), and the active rollout's version for the computers in its cohort.
 */
function OfferedNow(props: { versions: AgentVersionRecord[]; rollout: Rollout | null }) {
  const offered = props.versions.find((v) => v.is_stable);
  const r = props.rollout;
  return (
    <p class="card offered-now" data-testid="offered-now">
      {r && (
        <>
          <Link href={`${BASE}/rollouts/${encodeURIComponent(r.id)}`}>Rollout</Link> of{" "}
          <strong>{r.version}</strong> ({r.status}): offered to the {r.counts.cohort}{" "}
          computers of its current stage.{" "}
        </>
      )}
      {offered
        ? (
          <>
            {r ? "Every other computer is" : "Agents are"} offered{" "}
            <strong>{offered.version}</strong>: the highest version marked stable. Older stable
            versions stay marked but are offered to nobody newer than them.
          </>
        )
        : "No version is marked stable: agents are offered nothing."}
    </p>
  );
}

export function AgentVersionManagement() {
  const versions = useLoader(getAgentVersions, []);
  const summary = useLoader(() => client.fleetSummary(), []);
  const [notice, setNotice] = useState<NoticeValue | null>(null);
  const [confirming, setConfirming] = useState<AgentVersionRecord | null>(null);
  useLiveUpdates(EVENTS, () => {
    versions.reload();
    summary.reload();
  });

  async function applyStability(v: AgentVersionRecord) {
    setConfirming(null);
    setNotice(null);
    try {
      const updated = await setAgentVersionStability(v.id, !v.is_stable);
      setNotice({
        kind: "success",
        message: updated.is_stable
          ? `Version ${updated.version} is now stable: agents are being told to update`
          : `Version ${updated.version} is no longer stable`,
      });
    } catch (err) {
      setNotice({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    }
    versions.reload();
  }

  return (
    <Page title="Agent versions">
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      <UploadForm
        onUploaded={(r) => {
          setNotice({
            kind: "success",
            message: `Uploaded version ${r.version} (SHA-256 ${r.checksum_sha256.slice(0, 12)}…)`,
          });
          versions.reload();
        }}
        onError={(message) => setNotice({ kind: "error", message: `Upload failed: ${message}` })}
        onStart={() => setNotice(null)}
      />
      <h2>Versions</h2>
      {versions.data && (
        <OfferedNow
          versions={versions.data}
          rollout={(summary.data?.active_rollout ?? null) as Rollout | null}
        />
      )}
      {versions.error && (
        <p class="notice notice-error" role="alert">Could not load versions: {versions.error}</p>
      )}
      {versions.loading && !versions.data && <p class="muted">Loading…</p>}
      {versions.data && <VersionTable versions={versions.data} onToggleStable={setConfirming} />}
      {confirming && (
        <ConfirmDialog
          title={confirming.is_stable
            ? `Unmark ${confirming.version} as stable?`
            : `Mark ${confirming.version} as stable?`}
          confirmLabel={confirming.is_stable ? "Unmark stable" : "Mark stable"}
          onConfirm={() => applyStability(confirming)}
          onCancel={() => setConfirming(null)}
        >
          {confirming.is_stable
            ? (
              <p>
                Agents will no longer be offered{" "}
                {confirming.version}. Agents that already run it keep it; the others are offered the
                highest version still marked stable, when newer than theirs.
              </p>
            )
            : (
              <p>
                Agents will start updating to {confirming.version}{" "}
                right away: connected agents are told now, the others at their next check.
              </p>
            )}
        </ConfirmDialog>
      )}
    </Page>
  );
}
