/**
 * How the page shows an agent's error: a human title per type (the code stays
 * visible beside it), and details as labelled values: sizes in KB/MB/GB, times
 * local with their zone; the stack trace is left for a folded block.
 */
import { formatBytes, formatDateTime } from "./format.ts";
import { detailsText } from "./details_text.ts";

const TITLES: Record<string, string> = {
  UpdateResourceCheckFailed: "Not enough disk space for the update",
  UpdateDownloadFailed: "Download of the update failed",
  UpdateChecksumMismatch: "Checksum mismatch after download",
  UpdateExtractionFailed: "Could not unpack the update",
  UpdateLaunchFailed: "The new version did not start",
  UpdateGeneralFailure: "The update failed",
  UpdateSignatureInvalid: "Package signature not trusted",
  AgentReportsDropped: "Reports dropped: the agent's buffer was full",
  AgentReportSetAside: "A report was set aside by the agent",
};

/** "Checksum mismatch after download" for `UpdateChecksumMismatch`; unknown types spaced out. */
export function errorTitle(type: string): string {
  return TITLES[type] ?? type.replace(/([a-z])([A-Z])/g, "$1 $2");
}

export interface DetailRow {
  label: string;
  value: string;
  /** A long value better shown as a block (checksums, paths, JSON). */
  block: boolean;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

function label(key: string): string {
  const text = key.replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The details of an error, stack trace excluded, as label and readable value. */
export function detailRows(details: Record<string, unknown>): DetailRow[] {
  return Object.entries(details)
    .filter(([key]) => key !== "stack_trace")
    .map(([key, value]) => {
      let text: string;
      if (typeof value === "number" && /(bytes|size)$/.test(key)) {
        text = `${formatBytes(value)} (${value.toLocaleString("en-US")} bytes)`;
      } else if (typeof value === "string" && ISO.test(value)) {
        text = formatDateTime(value);
      } else if (typeof value === "string") {
        text = value;
      } else {
        text = detailsText(value); // never throws, however deep an agent nested it
      }
      return { label: label(key), value: text, block: text.length > 48 || text.includes("\n") };
    });
}
