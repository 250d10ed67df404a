/** How to add a machine: the enrollment token and the command to run on it. */
import { getEnrollmentToken } from "../api.ts";
import { useLoader } from "../use_loader.ts";
import { CopyButton } from "./copy_button.tsx";

export function EnrollmentCard() {
  const token = useLoader(getEnrollmentToken, []);
  const command = token.data
    ? `agent enroll --server ${location.origin} --token ${token.data}`
    : "";
  return (
    <details class="card enroll">
      <summary>Add a computer</summary>
      <p>
        Install the agent on the computer, then run this once there. The token lets any machine
        enroll: share it only with people who install agents.
      </p>
      {token.error && <p class="notice notice-error" role="alert">{token.error}</p>}
      {token.data && (
        <>
          <div class="copy-line">
            <code id="enroll-command">{command}</code>
            <CopyButton value={command} label="Copy the enroll command" />
          </div>
          <p class="muted">
            Enrollment token: <code id="enrollment-token">{token.data}</code>
          </p>
        </>
      )}
    </details>
  );
}
