/**
 * The public keys whose signatures this agent accepts on update packages.
 * Empty in the source tree; `deno task release` writes the signing key's
 * public key (and any `--trusted-key`) into a build copy, as it does the
 * version. No key: packages need no signature (a development build; the agent
 * logs a warning). Any key: every package must be signed by one of them.
 * See docs/security.md.
 */
export const TRUSTED_KEYS: readonly string[] = [];
