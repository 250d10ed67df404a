/**
 * Every way a package is refused, in one table, run through
 * `openVerifiedPackage` and through each of its three adapters: the server's
 * upload check (400), the agent's updater extraction (an update error type and
 * reason) and the updater's package step (the failure its rollback records).
 * The agent and the updater must agree on every package both see; the server
 * refuses everything neither could install, except what depends on the agent
 * (the version it runs, the version it was offered, its platform).
 * Starts no process: the adapters are called in this one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { extractUpdater } from "../agent/update/extract_updater.ts";
import { UpdateError } from "../agent/update/update_error.ts";
import {
  hostPlatform,
  openVerifiedPackage,
  PackageError,
  type PackageRefusal,
  parseTrustedKeys,
} from "../package/mod.ts";
import { HttpError } from "../server/errors.ts";
import { checkPackage } from "../server/services/package_check.ts";
import { packageFailure, verifyAndExtract } from "../updater/package.ts";
import { buildManifest, makePackage, type MakePackageOptions } from "./helpers/make_package.ts";
import { makeSignedPackage, newSigningKey } from "./helpers/signing.ts";

const RUNNING = "1.0.0";
const OFFERED = "1.1.0";
const FILES = {
  agent: "#!/bin/sh\necho agent\n",
  "agent.js": "console.log('agent')",
  updater: "#!/bin/sh\necho updater\n",
  "updater.js": "console.log('updater')",
  "lib/util.js": "export const x = 1;\n",
};

type Tamper = (o: MakePackageOptions) => MakePackageOptions;
/** What an adapter makes of the package: accepted, or its own error and reason. */
type Outcome = "accepted" | { type: string; reason: string | null };

interface Case {
  name: string;
  /** Options of the package; version 1.1.0 and FILES unless given. */
  options?: Partial<MakePackageOptions>;
  /** Signed by the trusted key (default), an unknown key, or not at all. */
  signer?: "trusted" | "stranger" | "none";
  /** Changes made after signing. */
  tamper?: Tamper;
  /** The version the server offers (and the upload says); 1.1.0 unless given. */
  offered?: string;
  /** No trusted keys anywhere (a development build, a server without TRUSTED_KEYS). */
  devBuild?: boolean;
  /** openVerifiedPackage's reason, or null when it accepts the package. */
  reason: PackageRefusal | null;
  server: "accepted" | "refused";
  agent: Outcome;
  updater: Outcome;
}

const untrusted = (reason: string): Outcome => ({ type: "UpdateSignatureInvalid", reason });
const broken: Outcome = { type: "UpdateExtractionFailed", reason: null };
const extra = (entries: Record<string, string>): Tamper => (o) => ({
  ...o,
  extraEntries: { ...o.extraEntries, ...entries },
});

const CASES: Case[] = [
  {
    name: "a good signed package",
    reason: null,
    server: "accepted",
    agent: "accepted",
    updater: "accepted",
  },
  {
    name: "unsigned where keys are required",
    signer: "none",
    reason: "unsigned",
    server: "refused",
    agent: untrusted("unsigned"),
    updater: untrusted("unsigned"),
  },
  {
    name: "signed by an unknown key",
    signer: "stranger",
    reason: "unknown_key",
    server: "refused",
    agent: untrusted("unknown_key"),
    updater: untrusted("unknown_key"),
  },
  {
    name: "a manifest edited after signing",
    tamper: (o) => ({ ...o, manifestOverride: (m) => ({ ...m, agent: "agent.js" }) }),
    reason: "bad_signature",
    server: "refused",
    agent: untrusted("bad_signature"),
    updater: untrusted("bad_signature"),
  },
  {
    name: "a file swapped after signing (same size)",
    tamper: (o) => ({
      ...o,
      files: { ...o.files, "lib/util.js": "export const x = 2;\n" },
      manifestOverride: () => buildManifest(o),
    }),
    reason: "file_mismatch",
    server: "refused",
    agent: untrusted("file_mismatch"),
    updater: untrusted("file_mismatch"),
  },
  {
    name: "an extra file added after signing",
    tamper: extra({ "lib/extra.js": "evil();" }),
    reason: "unlisted_entry",
    server: "refused",
    agent: untrusted("file_mismatch"),
    updater: untrusted("file_mismatch"),
  },
  {
    name: "a listed file removed after signing",
    tamper: (o) => {
      const { "lib/util.js": _, ...files } = o.files;
      return { ...o, files, manifestOverride: () => buildManifest(o) };
    },
    reason: "missing_file",
    server: "refused",
    agent: untrusted("file_mismatch"),
    updater: untrusted("file_mismatch"),
  },
  {
    name: "a zip-slip entry",
    tamper: extra({ "../evil.sh": "x" }),
    reason: "unsafe_entry",
    server: "refused",
    agent: broken,
    updater: broken,
  },
  {
    name: "a downgrade (0.9.0 offered as itself)",
    options: { version: "0.9.0" },
    offered: "0.9.0",
    reason: "downgrade",
    server: "accepted",
    agent: untrusted("downgrade"),
    updater: untrusted("downgrade"),
  },
  {
    name: "a replay of the running version",
    options: { version: RUNNING },
    offered: RUNNING,
    reason: "downgrade",
    server: "accepted",
    agent: untrusted("downgrade"),
    updater: untrusted("downgrade"),
  },
  {
    name: "an older signed package offered as newer",
    options: { version: "0.9.0" },
    reason: "version_mismatch",
    server: "refused",
    agent: untrusted("version_mismatch"),
    // The updater is not told what was offered; the downgrade rule still stops it.
    updater: untrusted("downgrade"),
  },
  {
    name: "a package for another platform",
    options: { platform: "plan9-mips" },
    reason: "wrong_platform",
    server: "accepted",
    agent: broken,
    updater: broken,
  },
  {
    name: "a version above 2^53-1 in the manifest",
    options: { version: "9007199254740992.0.0" },
    offered: "9007199254740992.0.0",
    reason: "bad_manifest",
    server: "refused",
    agent: broken,
    updater: broken,
  },
  ...([
    ["a case-duplicate of the agent (AGENT)", { AGENT: "x" }, "duplicate_entry"],
    [
      "a case-duplicate of the manifest (Manifest.json)",
      { "Manifest.json": "{}" },
      "duplicate_entry",
    ],
    ["a Windows device name (con)", { con: "x" }, "unsafe_entry"],
    ["a Windows device name with an extension (AUX.txt)", { "AUX.txt": "x" }, "unsafe_entry"],
    ["a trailing dot", { "agent.": "x" }, "unsafe_entry"],
    ["a trailing space", { "lib/util.js ": "x" }, "unsafe_entry"],
    ["a folder entry (a/)", { "a/": "" }, "unsafe_entry"],
    ["an empty segment (a//b)", { "a//b": "x" }, "unsafe_entry"],
  ] as const).map(([name, entries, reason]): Case => ({
    name,
    tamper: extra(entries),
    reason,
    server: "refused",
    agent: broken,
    updater: broken,
  })),
  {
    name: "an unlisted entry in an unsigned development package",
    devBuild: true,
    signer: "none",
    tamper: extra({ "evil.exe": "x" }),
    reason: "unlisted_entry",
    server: "refused",
    agent: broken,
    updater: broken,
  },
  {
    name: "an unsigned manifest naming a file not in the zip",
    devBuild: true,
    signer: "none",
    options: {
      manifestOverride: (m) => ({
        ...m,
        files: [...m.files, { path: "lib/gone.js", sha256: "0".repeat(64), size: 1 }],
      }),
    },
    reason: "missing_file",
    server: "refused",
    agent: broken,
    updater: broken,
  },
  {
    name: "not a zip",
    reason: "not_zip",
    server: "refused",
    agent: broken,
    updater: broken,
  },
];

function describeOutcome(result: unknown): Outcome {
  if (result === "accepted") return "accepted";
  if (result instanceof UpdateError) {
    return { type: result.type, reason: (result.details.reason as string | undefined) ?? null };
  }
  if (result instanceof PackageError) {
    const failure = packageFailure(result);
    return { type: failure.error_type, reason: failure.reason ?? null };
  }
  throw result;
}

Deno.test("every package refusal, through openVerifiedPackage and its three adapters", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "hangar-refusals-" });
  const key = await newSigningKey();
  const stranger = await newSigningKey();
  const trusted = await parseTrustedKeys([key.publicKey]);
  try {
    for (const [i, c] of CASES.entries()) {
      await t.step(c.name, async () => {
        const zip = join(dir, `p${i}.zip`);
        const options = { version: OFFERED, files: FILES, ...c.options };
        const signer = c.signer ?? "trusted";
        if (c.reason === "not_zip") await Deno.writeTextFile(zip, "not a zip at all");
        else if (signer === "none") await makePackage((c.tamper ?? ((o) => o))(options), zip);
        else await makeSignedPackage(options, zip, signer === "trusted" ? key : stranger, c.tamper);
        const keys = c.devBuild ? [] : trusted;
        const offered = c.offered ?? OFFERED;

        const core = await openVerifiedPackage(zip, {
          trustedKeys: keys,
          version: offered,
          newerThan: RUNNING,
          platform: hostPlatform(),
        }).then(() => null, (e) => e);
        if (c.reason === null) assert.equal(core, null);
        else {
          assert.ok(core instanceof PackageError, String(core));
          assert.equal(core.reason, c.reason, core.message);
        }

        const server = await checkPackage(zip, offered, keys).then(() => "accepted", (e) => e);
        if (c.server === "accepted") assert.equal(server, "accepted", String(server));
        else {
          assert.ok(server instanceof HttpError, String(server));
          assert.equal(server.status, 400);
          assert.equal(server.code, "bad_request");
        }

        const agent = await extractUpdater(zip, join(dir, `u${i}`), {
          version: offered,
          runningVersion: RUNNING,
          trustedKeys: keys,
        }).then(() => "accepted", (e) => e);
        assert.deepEqual(describeOutcome(agent), c.agent);

        const updater = await verifyAndExtract(zip, join(dir, `s${i}`), {
          keys,
          installedVersion: RUNNING,
        }).then(() => "accepted", (e) => e);
        assert.deepEqual(describeOutcome(updater), c.updater);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
