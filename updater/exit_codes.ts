/** The updater's exit codes (documented in docs/updater.md). */
export const EXIT_OK = 0;
/** Something unexpected stopped the update before the install was changed, or recovery failed. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** The agent to replace did not exit in time; nothing was changed. */
export const EXIT_WAIT_TIMEOUT = 3;
/** The package is unreadable or does not match its manifest; nothing was changed. */
export const EXIT_PACKAGE_INVALID = 4;
/** The update failed and the old agent was put back. */
export const EXIT_ROLLED_BACK = 5;
/** The update failed and so did the rollback; the journal is kept for the next recovery. */
export const EXIT_ROLLBACK_FAILED = 6;
/** Another updater owns this install dir's journal right now. */
export const EXIT_BUSY = 7;
