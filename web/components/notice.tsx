/** A success or error message. Errors are announced at once (role=alert); successes politely. */
export interface NoticeValue {
  kind: "success" | "error";
  message: string;
}

export function Notice(props: { notice: NoticeValue | null; onDismiss: () => void }) {
  const { notice } = props;
  if (!notice) return null;
  return (
    <div
      class={`notice notice-${notice.kind}`}
      role={notice.kind === "error" ? "alert" : "status"}
    >
      <span class="notice-text">{notice.message}</span>
      <button type="button" class="link-button" onClick={props.onDismiss}>Dismiss</button>
    </div>
  );
}
