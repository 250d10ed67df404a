/**
 * Upload a package: file, version (pre-filled from the package's manifest.json
 * when the browser can read it), notes, with a progress bar while it sends.
 */
import { useRef, useState } from "preact/hooks";
import type { AgentVersionRecord } from "../../protocol/schemas.ts";
import { uploadAgentVersion } from "../api.ts";
import { formatBytes } from "../format.ts";
import { readPackageVersion } from "../package_manifest.ts";

interface UploadFormProps {
  onUploaded: (record: AgentVersionRecord) => void;
  onError: (message: string) => void;
  /** An upload starts: the page drops an old message. */
  onStart?: () => void;
}

export function UploadForm(props: UploadFormProps) {
  const form = useRef<HTMLFormElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [version, setVersion] = useState("");
  const [notes, setNotes] = useState("");
  const [hint, setHint] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ loaded: number; total: number } | null>(null);

  async function onFile(picked: File | null) {
    setFile(picked);
    setHint(null);
    if (!picked) return;
    const found = await readPackageVersion(picked);
    if (found) {
      setVersion(found);
      setHint(`Version ${found} read from the package's manifest.json`);
    } else {
      setHint("Could not read manifest.json from this file: enter the version yourself");
    }
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (!file) return;
    const data = new FormData();
    data.append("version", version.trim());
    data.append("notes", notes.trim());
    data.append("file", file, file.name);
    setProgress({ loaded: 0, total: file.size });
    props.onStart?.();
    try {
      const record = await uploadAgentVersion(
        data,
        (loaded, total) => setProgress({ loaded, total: total || file.size }),
      );
      form.current?.reset();
      setFile(null);
      setVersion("");
      setNotes("");
      setHint(null);
      props.onUploaded(record);
    } catch (err) {
      props.onError(err instanceof Error ? err.message : String(err));
    } finally {
      setProgress(null);
    }
  }

  const busy = progress !== null;
  const percent = progress && progress.total > 0
    ? Math.round((progress.loaded / progress.total) * 100)
    : 0;
  return (
    <form ref={form} class="card upload" onSubmit={onSubmit} aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a new version</h2>
      <div class="field">
        <label for="package-file">Package (.zip)</label>
        <input
          id="package-file"
          name="file"
          type="file"
          accept=".zip,application/zip"
          required
          disabled={busy}
          onChange={(e) => onFile(e.currentTarget.files?.[0] ?? null)}
        />
        {file && <span class="muted">{file.name}, {formatBytes(file.size)}</span>}
      </div>
      <div class="field">
        <label for="package-version">Version</label>
        <input
          id="package-version"
          name="version"
          required
          placeholder="1.2.3"
          pattern="\d+\.\d+\.\d+([\-+][0-9A-Za-z.\-+]*)?"
          title="A semantic version such as 1.2.3"
          disabled={busy}
          value={version}
          aria-describedby="version-hint"
          onInput={(e) => setVersion(e.currentTarget.value)}
        />
        <span id="version-hint" class="muted">
          {hint ?? "Must match the package's manifest.json"}
        </span>
      </div>
      <div class="field">
        <label for="package-notes">Notes</label>
        <textarea
          id="package-notes"
          name="notes"
          rows={2}
          disabled={busy}
          value={notes}
          onInput={(e) => setNotes(e.currentTarget.value)}
        />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !file}>
          {busy ? "Uploading…" : "Upload"}
        </button>
        {progress && (
          <span class="progress">
            <progress max={100} value={percent} aria-label="Upload progress" />
            <span aria-live="polite">
              {percent}% ({formatBytes(progress.loaded)} of {formatBytes(progress.total)})
            </span>
          </span>
        )}
      </div>
    </form>
  );
}
