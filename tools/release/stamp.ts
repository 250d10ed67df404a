/**
 * Stamps a version (and the agent's trusted public keys) into a build copy of
 * the source tree, so the working tree is never touched and two versions can
 * be built from one checkout.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import { decodePublicKey, formatPublicKey } from "../../package/signature.ts";

/** What the agent and the updater need to build: their code, the shared contract, the config. */
export const BUILD_SOURCES = [
  "agent",
  "updater",
  "package",
  "host",
  "protocol",
  "deno.json",
  "deno.lock",
] as const;

const VERSION_FILE = join("agent", "version.ts");
const VERSION_LINE = /^export const VERSION = "[^"]*";$/m;
const HOOKS_FILE = join("agent", "test_hooks.ts");
const HOOKS_LINE = /^export const TEST_HOOKS: boolean = (true|false);$/m;
const KEYS_FILE = join("agent", "trusted_keys.ts");
const KEYS_LINE = /^export const TRUSTED_KEYS: readonly string\[\] = \[[^\]]*\];$/m;

export interface BuildTree {
  /** The temporary copy, with `agent/version.ts` saying the stamped version. */
  dir: string;
  version: string;
  /** The public keys written into `agent/trusted_keys.ts`. */
  trustedKeys: string[];
  remove(): Promise<void>;
}

/** Throws unless `version` is a valid semantic version such as `1.2.3`. */
export function assertVersion(version: string): string {
  // semver.parse is lenient ("v1.2.3", " 1.2.3 "); only the canonical spelling is accepted.
  const parsed = semver.parse(version);
  const build = parsed?.build.length ? `+${parsed.build.join(".")}` : "";
  if (!parsed || `${parsed.version}${build}` !== version) {
    throw new Error(`Cannot use version "${version}": it is not a semantic version like 1.2.3`);
  }
  return version;
}

/** Reads the version in `<root>/agent/version.ts`. */
export async function readTreeVersion(root: string): Promise<string> {
  const text = await readFile(join(root, VERSION_FILE), "utf8");
  const match = text.match(/^export const VERSION = "([^"]*)";$/m);
  if (!match) throw new Error(`Cannot find the VERSION line in ${join(root, VERSION_FILE)}`);
  return match[1];
}

async function rewriteLine(
  path: string,
  name: string,
  line: RegExp,
  replacement: string,
): Promise<void> {
  const text = await readFile(path, "utf8");
  if (!line.test(text)) throw new Error(`Cannot find the ${name} line in ${path}`);
  await writeFile(path, text.replace(line, replacement));
}

/**
 * Copies the build sources of `root` to a temporary dir and rewrites the
 * version there, and the agent's trusted public keys (checked, and written
 * in their `hangar-ed25519:` form, each once).
 */
export async function stampBuildTree(
  root: string,
  version: string,
  trustedKeys: string[] = [],
  testHooks = false,
): Promise<BuildTree> {
  assertVersion(version);
  const keys = [...new Set(trustedKeys.map((key) => formatPublicKey(decodePublicKey(key))))];
  const dir = await mkdtemp(join(tmpdir(), `hangar-build-${version}-`));
  try {
    for (const name of BUILD_SOURCES) {
      await cp(join(root, name), join(dir, name), {
        recursive: true,
        // Test files are not part of a build; leaving them out keeps the copy small.
        filter: (src) => !src.endsWith("_test.ts"),
      });
    }
    await rewriteLine(
      join(dir, VERSION_FILE),
      "VERSION",
      VERSION_LINE,
      `export const VERSION = "${version}";`,
    );
    await rewriteLine(
      join(dir, HOOKS_FILE),
      "TEST_HOOKS",
      HOOKS_LINE,
      `export const TEST_HOOKS: boolean = ${testHooks};`,
    );
    await rewriteLine(
      join(dir, KEYS_FILE),
      "TRUSTED_KEYS",
      KEYS_LINE,
      `export const TRUSTED_KEYS: readonly string[] = ${JSON.stringify(keys)};`,
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    version,
    trustedKeys: keys,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
