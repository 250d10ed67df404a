/** Header names shared by the server, the agent and the admin page. */

/** The agent's id, as the plan's server spells it. */
export const AGENT_ID_HEADER = "agent-id";
/** The agent's secret token, as the plan's server spells it. */
export const AGENT_TOKEN_HEADER = "agent-token";
/** The agent's id, as the plan's agent spells it; accepted as well. */
export const AGENT_ID_HEADER_ALT = "x-agent-id";
/** The agent's token, as the plan's agent spells it; accepted as well. */
export const AGENT_TOKEN_HEADER_ALT = "x-agent-token";
/** The shared secret an agent presents once, to enroll. */
export const ENROLLMENT_TOKEN_HEADER = "enrollment-token";
/** The agent's running version, sent with every agent request so the server stays current. */
export const AGENT_VERSION_HEADER = "x-agent-version";
/** The admin session cookie. */
export const SESSION_COOKIE = "hangar_session";
/** On paged admin lists: how many items match the filters, over every page. */
export const TOTAL_COUNT_HEADER = "X-Total-Count";
/**
 * On the computer list: `true` when `X-Total-Count` is an estimate (a fleet of more
 * than ~20,000 computers, more than 1,000 match; two significant figures); absent
 * when it is exact.
 */
export const TOTAL_COUNT_ESTIMATED_HEADER = "X-Total-Count-Estimated";
/** On paged admin lists: the `after` value of the next page; absent on the last page. */
export const NEXT_CURSOR_HEADER = "X-Next-Cursor";
