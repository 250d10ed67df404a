/** WebSocket event names. Every message is JSON `{event, payload}`. */

/** Server → agent: a version was marked stable. Payload `{new_stable_version}`. */
export const NEW_VERSION_AVAILABLE = "agent:new_version_available";
/** Server → admin page: a computer connected, disconnected or changed. Payload `{computer_id}`. */
export const COMPUTERS_CHANGED = "admin:computers_changed";
/** Server → admin page: an error was reported or resolved. Payload `{computer_id}` (or `{}` in bulk). */
export const ERRORS_CHANGED = "admin:errors_changed";
/** Server → admin page: the version list changed. Payload `{}`. */
export const VERSIONS_CHANGED = "admin:versions_changed";

/** The envelope of every WebSocket message. */
export interface WsMessage<P = unknown> {
  event: string;
  payload: P;
}
/** Server → admin page: a rollout was created or changed. Payload `{rollout_id}`. */
export const ROLLOUT_CHANGED = "admin:rollout_changed";

/**
 * WebSocket close code (RFC 6455 "Service Restart") the server sends to every
 * agent socket when it stops gracefully: it will be back shortly, so agents
 * retry at a short steady interval instead of backing off.
 */
export const SERVICE_RESTART_CLOSE_CODE = 1012;
export const SERVICE_RESTART_CLOSE_REASON = "Service Restart";
