/**
 * The agent's states, named exactly as the plan lists them, and the
 * transitions between them. Anything not in `TRANSITIONS` is a bug in the
 * agent and is rejected.
 */
export enum AgentState {
  STARTING = "STARTING",
  IDLE = "IDLE",
  /** Restart requested from outside the update flow; not used by updates. */
  FORCE_RESTARTING = "FORCE_RESTARTING",
  UPDATING_STARTING = "UPDATING_STARTING",
  UPDATING_DOWNLOADING = "UPDATING_DOWNLOADING",
  UPDATING_VERIFYING = "UPDATING_VERIFYING",
  UPDATING_EXTRACTING_UPDATER = "UPDATING_EXTRACTING_UPDATER",
  UPDATING_PREPARING_SHUTDOWN = "UPDATING_PREPARING_SHUTDOWN",
  SHUTTING_DOWN = "SHUTTING_DOWN",
  /** Set just before the process exits. */
  STOPPED = "STOPPED",
}

const S = AgentState;

/**
 * Allowed next states. Every update step may fall back to IDLE (a failure) or
 * go to SHUTTING_DOWN (a signal); the steps themselves run only forwards.
 */
const TRANSITIONS: Record<AgentState, readonly AgentState[]> = {
  [S.STARTING]: [S.IDLE, S.SHUTTING_DOWN],
  [S.IDLE]: [S.UPDATING_STARTING, S.FORCE_RESTARTING, S.SHUTTING_DOWN],
  [S.FORCE_RESTARTING]: [S.SHUTTING_DOWN],
  [S.UPDATING_STARTING]: [S.UPDATING_DOWNLOADING, S.IDLE, S.SHUTTING_DOWN],
  [S.UPDATING_DOWNLOADING]: [S.UPDATING_VERIFYING, S.IDLE, S.SHUTTING_DOWN],
  [S.UPDATING_VERIFYING]: [S.UPDATING_EXTRACTING_UPDATER, S.IDLE, S.SHUTTING_DOWN],
  [S.UPDATING_EXTRACTING_UPDATER]: [S.UPDATING_PREPARING_SHUTDOWN, S.IDLE, S.SHUTTING_DOWN],
  [S.UPDATING_PREPARING_SHUTDOWN]: [S.SHUTTING_DOWN, S.IDLE],
  [S.SHUTTING_DOWN]: [S.STOPPED],
  [S.STOPPED]: [],
};

/** True when the agent may go from `from` to `to`. */
export function canTransition(from: AgentState, to: AgentState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class InvalidTransitionError extends Error {
  constructor(readonly from: AgentState, readonly to: AgentState) {
    super(`Cannot change state from ${from} to ${to}`);
    this.name = "InvalidTransitionError";
  }
}

/** Holds the current state; `set` logs every change and rejects impossible ones. */
export class StateMachine {
  #state: AgentState = AgentState.STARTING;

  constructor(private readonly onChange: (from: AgentState, to: AgentState) => void) {}

  get state(): AgentState {
    return this.#state;
  }

  set(to: AgentState): void {
    const from = this.#state;
    if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
    this.#state = to;
    this.onChange(from, to);
  }
}
