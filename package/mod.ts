/**
 * The agent package, written once: its format (manifest, signature, entry
 * paths, the version rule), the install folder's layout, and
 * `openVerifiedPackage`, which every reader of a package (the server's upload
 * check, the agent, the updater) calls and adapts. Imports only WebCrypto,
 * `node:crypto` hashing, `@zip.js/zip.js` and `semver`: the updater and the
 * agent carry it without the server or the wire protocol.
 *
 * @example
 * ```ts
 * const pkg = await openVerifiedPackage("package.zip", {
 *   trustedKeys: await parseTrustedKeys(["hangar-ed25519:..."]),
 *   version: "1.2.0",
 *   newerThan: "1.1.0",
 * });
 * console.log(pkg.manifest.files.length, pkg.signedBy);
 * ```
 */
export * from "./data_dir.ts";
export * from "./entry_path.ts";
export * from "./layout.ts";
export * from "./manifest.ts";
export * from "./open.ts";
export * from "./package_error.ts";
export * from "./signature.ts";
export * from "./space.ts";
export * from "./version.ts";
