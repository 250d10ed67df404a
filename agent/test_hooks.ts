/**
 * Whether the test-only switches are read at all (`HANGAR_FAKE_FREE_BYTES`,
 * `HANGAR_UPDATER_DIE_AT_STEP`): true in the source tree, which the tests
 * run; a release build says false unless built with `testHooks` (the
 * end-to-end tests' builds), so no environment variable can fake free space
 * or kill the updater of a shipped agent.
 */
export const TEST_HOOKS: boolean = true;
