/**
 * The updater's one entry for other programs: the agent imports this module
 * and nothing else under updater/ (tests/agent_layering_test.ts checks it). The
 * agent needs only crash recovery, in its own process and before anything
 * else: an updater that died mid-swap may have left its own files half
 * moved, so the agent does not run it to recover.
 */
export { recoverInterruptedUpdate, type RecoveryOutcome } from "./recover.ts";
