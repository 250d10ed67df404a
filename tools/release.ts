/**
 * `deno task release`: build an agent package and optionally upload it.
 *
 *   deno task release [--version X.Y.Z] [--target windows-x64|linux-x64|portable] [--out DIR]
 *                     [--signing-key FILE] [--trusted-key KEY ...]
 *                     [--server URL [--notes TEXT] [--stable | --rollout STAGES [--stage-wait D]]]
 *   deno task release keygen [--out FILE]
 *
 * Upload credentials come from HANGAR_API_TOKEN (an API token with `versions:write`,
 * for CI), HANGAR_TOKEN (a session token), or HANGAR_USER and HANGAR_PASSWORD.
 * The signing key may come from HANGAR_SIGNING_KEY, more trusted keys from
 * HANGAR_TRUSTED_KEYS (comma-separated); see docs/releasing.md.
 */
import { parseArgs } from "node:util";
import { relative, resolve } from "node:path";
import { decodePublicKey, parseTrustedKeys } from "../package/signature.ts";
import { buildPackage, isTarget, TARGETS } from "./release/build_package.ts";
import { keygen } from "./release/keygen.ts";
import { createProgress, formatBytes } from "./release/progress.ts";
import { resolveSigningKey } from "./release/signing_key.ts";
import { assertVersion } from "./release/stamp.ts";
import type { RolloutStage } from "../protocol/mod.ts";
import { parseDuration, parseRolloutSpec } from "./release/rollout_spec.ts";
import {
  ApiError,
  createRollout,
  listVersions,
  login,
  setStable,
  uploadVersion,
} from "./release/upload.ts";
import { fileURLToPath } from "node:url";

const USAGE = `Usage: deno task release [options]
  --version X.Y.Z   version to stamp (default: the one in agent/version.ts)
  --target T        ${TARGETS.join(" | ")} (default: windows-x64)
  --out DIR         output folder (default: dist)
  --signing-key F   sign the package with this private key file (or set HANGAR_SIGNING_KEY)
  --no-terminal     windows-x64: build the executables without a console window
  --icon FILE       windows-x64: the executables' icon (.ico)
  --sign-command C  run C on each executable before it is hashed into the manifest, e.g.
                    "signtool sign /fd sha256 /a" ({file} marks where the path goes, else last)
  --trusted-key K   another public key the agent accepts, for key rotation (repeatable;
                    or HANGAR_TRUSTED_KEYS=k1,k2); the signing key's is always built in
  --server URL      upload the package to this Hangar server
  --notes TEXT      release notes for the upload
  --stable          mark the uploaded version stable (every computer at once)
  --rollout STAGES  instead, start a staged rollout, e.g. "canary,10%,50%,100%" (a group name
                    or a percent per stage); it advances by itself and halts on failures
  --stage-wait D    how long each stage lasts while healthy (default 1h; 90s, 30m, 2d)
  --max-failures N  halt the rollout after N failed updates (default 3)
Credentials for --server: HANGAR_API_TOKEN (an API token with the versions:write scope),
HANGAR_TOKEN (a session token), or HANGAR_USER and HANGAR_PASSWORD.
New signing key: deno task release keygen [--out FILE]`;

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

class UsageError extends Error {}

function parse(args: string[]) {
  try {
    return check(
      parseArgs({
        args,
        options: {
          version: { type: "string" },
          target: { type: "string", default: "windows-x64" },
          out: { type: "string", default: "dist" },
          "signing-key": { type: "string" },
          "no-terminal": { type: "boolean", default: false },
          icon: { type: "string" },
          "sign-command": { type: "string" },
          "trusted-key": { type: "string", multiple: true, default: [] },
          server: { type: "string" },
          notes: { type: "string" },
          stable: { type: "boolean", default: false },
          rollout: { type: "string" },
          "stage-wait": { type: "string", default: "1h" },
          "max-failures": { type: "string" },
          help: { type: "boolean", short: "h", default: false },
        },
        strict: true,
        allowPositionals: false,
      }).values,
    );
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
}

function check(values: {
  version?: string;
  target: string;
  out: string;
  "signing-key"?: string;
  "no-terminal": boolean;
  icon?: string;
  "sign-command"?: string;
  "trusted-key": string[];
  server?: string;
  notes?: string;
  stable: boolean;
  rollout?: string;
  "stage-wait": string;
  "max-failures"?: string;
  help: boolean;
}) {
  if (!isTarget(values.target)) {
    throw new UsageError(`Unknown target "${values.target}"; use one of ${TARGETS.join(", ")}`);
  }
  if (values.version !== undefined) assertVersion(values.version);
  if ((values["no-terminal"] || values.icon) && values.target !== "windows-x64") {
    throw new UsageError("--no-terminal and --icon apply to --target windows-x64 only");
  }
  if (values["sign-command"] !== undefined && values.target === "portable") {
    throw new UsageError("--sign-command signs compiled executables: use a windows-x64 target");
  }
  if (!values.server && (values.stable || values.notes !== undefined || values.rollout)) {
    throw new UsageError("--notes, --stable and --rollout need --server");
  }
  if (values.stable && values.rollout !== undefined) {
    throw new UsageError(
      "--stable and --rollout exclude each other: --stable is every computer at once",
    );
  }
  let stages: RolloutStage[] | null = null;
  let maxFailures: number | undefined;
  try {
    if (values.rollout !== undefined) {
      stages = parseRolloutSpec(values.rollout, parseDuration(values["stage-wait"]));
    }
    if (values["max-failures"] !== undefined) {
      maxFailures = Number(values["max-failures"]);
      if (!Number.isInteger(maxFailures) || maxFailures < 1) {
        throw new Error(
          `--max-failures must be a whole number >= 1, got "${values["max-failures"]}"`,
        );
      }
    }
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { ...values, target: values.target, stages, maxFailures };
}

/**
 * The bearer token for uploads: an API token (checked against the server now),
 * a session token, or a sign-in with HANGAR_USER/HANGAR_PASSWORD.
 */
async function adminToken(server: string): Promise<string> {
  const apiToken = Deno.env.get("HANGAR_API_TOKEN");
  if (apiToken) {
    await listVersions(server, apiToken);
    return apiToken;
  }
  const token = Deno.env.get("HANGAR_TOKEN");
  if (token) return token;
  const user = Deno.env.get("HANGAR_USER");
  const password = Deno.env.get("HANGAR_PASSWORD");
  if (!user || !password) {
    throw new UsageError(
      "--server needs HANGAR_API_TOKEN, HANGAR_TOKEN, or HANGAR_USER and HANGAR_PASSWORD",
    );
  }
  return await login(server, user, password);
}

/** The public keys to build into the agent besides the signing key's, checked before any work. */
function extraTrustedKeys(flags: string[]): string[] {
  const fromEnv = (Deno.env.get("HANGAR_TRUSTED_KEYS") ?? "").split(",");
  const keys = [...flags, ...fromEnv].map((k) => k.trim()).filter((k) => k !== "");
  try {
    keys.forEach(decodePublicKey);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return keys;
}

async function main(args: string[]): Promise<number> {
  if (args[0] === "keygen") return await keygen(args.slice(1));
  const options = parse(args);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.icon !== undefined && !(await Deno.stat(options.icon).catch(() => null))?.isFile) {
    throw new UsageError(`--icon ${options.icon} is not a file`);
  }
  const trustedKeys = extraTrustedKeys(options["trusted-key"]);
  const signingKey = await resolveSigningKey(
    options["signing-key"],
    Deno.env.get("HANGAR_SIGNING_KEY"),
  );
  // Sign in before building, so wrong credentials fail in a second, not after a build.
  const token = options.server ? await adminToken(options.server) : undefined;
  const built = await buildPackage({
    root: ROOT,
    version: options.version,
    target: options.target,
    outDir: resolve(options.out),
    signingKey: signingKey ?? undefined,
    trustedKeys,
    windows: {
      noTerminal: options["no-terminal"],
      icon: options.icon === undefined ? undefined : resolve(options.icon),
      signCommand: options["sign-command"],
    },
  });
  const rel = relative(Deno.cwd(), built.zipPath);
  const shown = rel.startsWith("..") ? built.zipPath : rel;
  console.log(`release: built ${built.version} (${built.target}) ${shown}`);
  console.log(`release: size ${formatBytes(built.size)} (${built.size} bytes)`);
  console.log(`release: sha256 ${built.sha256}`);
  if (signingKey) {
    console.log(`release: signed by key ${signingKey.keyId} (${signingKey.publicKey})`);
  } else {
    console.error(
      "release: warning: not signed (no --signing-key or HANGAR_SIGNING_KEY); agents and " +
        "servers that trust keys will refuse it",
    );
  }
  if (built.trustedKeys.length === 0) {
    console.error("release: warning: the agent trusts no keys, so it installs unsigned packages");
  } else {
    const ids = (await parseTrustedKeys(built.trustedKeys)).map((k) => k.id);
    console.log(`release: the agent trusts keys ${ids.join(", ")}`);
  }
  if (!options.server || !token) return 0;

  const encoder = new TextEncoder();
  const progress = createProgress({
    label: `release: uploading ${built.version}`,
    total: built.size,
    terminal: Deno.stderr.isTerminal(),
    write: (text) => Deno.stderr.writeSync(encoder.encode(text)),
  });
  const record = await uploadVersion({
    server: options.server,
    token,
    zipPath: built.zipPath,
    version: built.version,
    notes: options.notes,
    onProgress: (sent) => progress.update(sent),
  });
  progress.finish();
  console.log(`release: uploaded ${record.version} as ${record.id} (${record.download_url})`);
  if (options.stable) {
    await setStable(options.server, token, record.id);
    console.log(`release: ${record.version} is now the stable version`);
  }
  if (options.stages) {
    const rollout = await createRollout(options.server, token, {
      version_id: record.id,
      stages: options.stages,
      ...(options.maxFailures !== undefined ? { max_failures: options.maxFailures } : {}),
    });
    console.log(
      `release: rollout ${rollout.id} of ${record.version} started: stage 1 of ` +
        `${rollout.stages.length} offers it to ${rollout.counts.cohort} computers; ` +
        `watch it at GET /api/admin/rollouts/${rollout.id}`,
    );
  }
  return 0;
}

function describe(error: unknown): string {
  if (error instanceof ApiError) {
    return `${error.action} failed (${error.status} ${error.code}): ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`release: ${describe(error)}`);
    if (error instanceof UsageError) console.error("Run with --help for the options.");
    Deno.exit(error instanceof UsageError ? 2 : 1);
  }
}
