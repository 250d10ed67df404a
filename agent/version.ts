/**
 * The one version of the agent and the updater. Both executables import this
 * module; `deno task release --version X.Y.Z` rewrites it in a build copy.
 */
export const VERSION = "1.0.0";
