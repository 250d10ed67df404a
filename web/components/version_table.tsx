/** The uploaded versions, newest first, with their stable flag, checksum and signer. */
import type { AgentVersionRecord } from "../../protocol/schemas.ts";
import { formatBytes, formatDateTime, shortHash } from "../format.ts";
import { CopyButton } from "./copy_button.tsx";
import { StackTable } from "./stack_table.tsx";

interface VersionTableProps {
  versions: AgentVersionRecord[];
  onToggleStable: (version: AgentVersionRecord) => void;
}

export function VersionTable(props: VersionTableProps) {
  if (props.versions.length === 0) {
    return <p class="empty">No versions yet. Upload a package above to get started.</p>;
  }
  // The list comes highest version first, so the first stable one is what agents get.
  const offeredId = props.versions.find((v) => v.is_stable)?.id;
  return (
    <StackTable
      caption="Agent versions"
      columns={["Version", "Size", "SHA-256", "Signature", "Notes", "Uploaded", {
        hidden: "Actions",
      }]}
    >
      {props.versions.map((v) => (
        <tr key={v.id} data-version={v.version}>
          <th scope="row" data-label="Version" class="nowrap">
            {v.version}{" "}
            {v.id === offeredId && (
              <span class="badge badge-ok" title="The highest stable version">Offered now</span>
            )}
            {v.is_stable && v.id !== offeredId && (
              <span
                class="badge badge-off"
                title="Stable, but a higher stable version is offered"
              >
                Stable, superseded
              </span>
            )}
          </th>
          <td data-label="Size" class="nowrap">{formatBytes(v.file_size)}</td>
          <td data-label="SHA-256">
            <code class="hash" title={v.checksum_sha256}>{shortHash(v.checksum_sha256)}</code>{" "}
            <CopyButton value={v.checksum_sha256} label={`Copy the SHA-256 of ${v.version}`} />
          </td>
          <td data-label="Signature">
            {v.signed_by
              ? (
                <span class="signed-by">
                  signed by <code class="key-id">{v.signed_by}</code>
                </span>
              )
              : (
                <span
                  class="muted"
                  title="The server has no TRUSTED_KEYS, so it checks no signature"
                >
                  not checked
                </span>
              )}
          </td>
          <td data-label="Notes" class="notes">{v.notes || <span class="muted">—</span>}</td>
          <td data-label="Uploaded" class="nowrap">
            <time dateTime={v.created_at}>{formatDateTime(v.created_at)}</time>
          </td>
          <td class="row-actions">
            <button
              type="button"
              class={v.is_stable ? "small" : "small primary"}
              onClick={() => props.onToggleStable(v)}
            >
              {v.is_stable ? "Unmark stable" : "Mark stable"}
            </button>
          </td>
        </tr>
      ))}
    </StackTable>
  );
}
