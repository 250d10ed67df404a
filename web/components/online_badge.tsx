/** Online/offline as text and colour (never colour alone). */
export function OnlineBadge(props: { online: boolean }) {
  return props.online
    ? <span class="badge badge-ok">Online</span>
    : <span class="badge badge-off">Offline</span>;
}
