/**
 * End to end, real processes only: a server with TRUSTED_KEYS (own temp data
 * dir and database) and a running agent installed from a signed 1.0.0
 * portable package whose release built the signing key into it. Then the
 * server is compromised: whoever controls it writes versions straight into
 * its database and package folder (its upload checks refuse them), with
 * checksums that match the files it serves. Each attack must be refused with
 * UpdateSignatureInvalid, reported, and the same 1.0.0 agent process must
 * keep running; no attacker code and no updater runs. Last, a release signed
 * with the right key (the release CLI with HANGAR_SIGNING_KEY) goes through.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "../server/config.ts";
import { insertAgentVersion } from "../server/db/agent_versions.ts";
import { openDb } from "../server/db/open_db.ts";
import { PACKAGE_URL_PREFIX } from "../server/services/agent_versions.ts";
import { refreshManifest, zipPackage } from "../tools/release/build_package.ts";
import { writeManifest } from "../tools/release/manifest.ts";
import { generateSigningKey, signPackageDir } from "../tools/release/signing_key.ts";
import { type E2E, setUpE2E, waitForComputer, withLogs } from "./helpers/e2e_setup.ts";
import { describe, runRelease } from "./helpers/release_cli.ts";
import {
  adminFetch,
  getComputerErrors,
  markStable,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";
import type { AgentVersionRecord } from "../protocol/mod.ts";

interface Attack {
  name: string;
  version: string;
  zipPath: string;
  reason: string;
  keyId: string;
}

/** A copy of a built package folder, to be changed by an attacker. */
async function copyPackage(e2e: E2E, version: string, name: string): Promise<string> {
  const dir = join(e2e.work, "attacks", name);
  await cp(e2e.packages[version].packageDir, dir, { recursive: true });
  return dir;
}

/** Zips a package folder beside itself; returns the zip's path. */
async function zipOf(dir: string): Promise<string> {
  await zipPackage(dir, `${dir}.zip`);
  return `${dir}.zip`;
}

async function setManifestVersion(dir: string, version: string): Promise<void> {
  const manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
  await writeManifest(dir, { ...manifest, version });
}

/** Writes `zipPath` into the stopped server's package folder and lists it as `version`. */
async function plantVersion(e2e: E2E, version: string, zipPath: string): Promise<void> {
  const bytes = await Deno.readFile(zipPath);
  const fileName = `hangar-agent-${version}.zip`;
  await Deno.writeFile(join(e2e.server.dataDir, "packages", fileName), bytes);
  const config = loadConfig({ DATA_DIR: e2e.server.dataDir, DATABASE_URL: e2e.databaseUrl ?? "" });
  const db = await openDb(config);
  try {
    await insertAgentVersion(db, {
      version,
      // The checksum of the file it serves: the agent's SHA-256 check passes.
      checksumSha256: createHash("sha256").update(bytes).digest("hex"),
      downloadUrl: PACKAGE_URL_PREFIX + fileName,
      notes: "planted by an attacker",
      filePath: fileName,
      fileSize: bytes.length,
      signedBy: null,
    });
  } finally {
    await db.close();
  }
}

Deno.test({
  name: "e2e: a compromised server cannot make a signing agent run its packages",
  // The portable launchers under test are POSIX shell scripts.
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const { pem, key } = await generateSigningKey();
    const attacker = (await generateSigningKey()).key;
    const e2e = await setUpE2E({
      prefix: "signing",
      versions: ["1.0.0", "1.1.0", "0.9.0"],
      build: { signingKey: key },
      serverEnv: { TRUSTED_KEYS: key.publicKey },
      // Back online quickly after the server restarts below.
      config: { ws_reconnect_max_s: 1 },
    });
    const { agent, server } = e2e;
    const marker = join(e2e.work, "attacker-code-ran");
    const evilAgent = `Deno.writeTextFileSync(${JSON.stringify(marker)}, "pwned");\n`;
    try {
      const unknownKey = await copyPackage(e2e, "1.1.0", "unknown-key");
      await setManifestVersion(unknownKey, "1.2.0");
      await signPackageDir(unknownKey, attacker);

      const edited = await copyPackage(e2e, "1.1.0", "edited-manifest");
      await Deno.writeTextFile(join(edited, "agent.js"), evilAgent);
      await setManifestVersion(edited, "1.3.0");
      await refreshManifest(edited); // the new file's hash, under the old signature

      const swapped = await copyPackage(e2e, "1.1.0", "swapped-file");
      await Deno.writeTextFile(join(swapped, "agent.js"), evilAgent);

      const attacks: Attack[] = [
        {
          name: "a package re-signed with an unknown key",
          version: "1.2.0",
          zipPath: await zipOf(unknownKey),
          reason: "unknown_key",
          keyId: attacker.keyId,
        },
        {
          name: "a manifest edited after signing",
          version: "1.3.0",
          zipPath: await zipOf(edited),
          reason: "bad_signature",
          keyId: key.keyId,
        },
        {
          name: "a file swapped, its package SHA-256 recomputed on the server",
          version: "1.1.0",
          zipPath: await zipOf(swapped),
          reason: "file_mismatch",
          keyId: key.keyId,
        },
        {
          name: "an older signed package offered as newer",
          version: "1.4.0",
          zipPath: e2e.packages["0.9.0"].zipPath,
          reason: "version_mismatch",
          keyId: key.keyId,
        },
      ];

      await t.step("the server's own upload check refuses the forged packages", async () => {
        for (const attack of attacks.slice(0, 2)) {
          await assert.rejects(
            uploadPackage(server, attack.zipPath, attack.version),
            new RegExp(`400 .*\\(${attack.reason}\\)`),
          );
        }
      });

      await t.step("whoever controls the server plants them in its database", async () => {
        await server.restart(async () => {
          for (const attack of attacks) await plantVersion(e2e, attack.version, attack.zipPath);
        });
        await waitForComputer(server, agent.computerId, "back online", (c) => c.online);
      });

      const listed = await adminFetch<AgentVersionRecord[]>(server, "/agents/versions");
      const ids = new Map(listed.map((v) => [v.version, v.id]));
      for (const attack of attacks) {
        await t.step(`${attack.name}: UpdateSignatureInvalid, still 1.0.0`, async () => {
          await markStable(server, ids.get(attack.version)!);
          const error = await withLogs(
            agent,
            waitFor(`UpdateSignatureInvalid for ${attack.version}`, async () => {
              const errors = await getComputerErrors(server, agent.computerId);
              return errors.find((e) =>
                e.error_type === "UpdateSignatureInvalid" &&
                e.error_details.target_version === attack.version
              );
            }),
          );
          assert.equal(error.error_details.reason, attack.reason);
          assert.equal(error.error_details.key_id, attack.keyId);
          assert.equal(error.error_details.agent_version_at_error, "1.0.0");

          assert.equal((await agent.healthyAt("1.0.0"))?.pid, agent.firstPid, "same process");
          assert.equal(await agent.cliVersion(), "1.0.0");
          assert.equal(await agent.exists("_update/updater"), false, "no updater extracted");
          assert.equal(await agent.exists("logs/updater.log"), false, "no updater ran");
          assert.equal(await agent.exists(`_update/package-${attack.version}.zip`), false);
          await assert.rejects(Deno.stat(marker), Deno.errors.NotFound, "attacker code ran");
          await markStable(server, ids.get(attack.version)!, false);
        });
      }

      await t.step("the admin sees every refusal on the computer", async () => {
        const computer = await waitForComputer(server, agent.computerId, "listed", () => true);
        assert.equal(computer.agent_version, "1.0.0");
        assert.equal(computer.have_active_errors, true);
        const errors = await getComputerErrors(server, agent.computerId);
        const refused = errors.filter((e) => e.error_type === "UpdateSignatureInvalid");
        assert.deepEqual(refused.map((e) => e.error_details.reason).sort(), [
          "bad_signature",
          "file_mismatch",
          "unknown_key",
          "version_mismatch",
        ]);
      });

      await t.step("a release signed with the trusted key installs", async () => {
        const run = await runRelease(
          [
            "--version",
            "1.5.0",
            "--target",
            "portable",
            "--out",
            join(e2e.work, "dist"),
            "--server",
            server.url,
            "--stable",
          ],
          { HANGAR_TOKEN: server.adminToken, HANGAR_SIGNING_KEY: pem },
        );
        assert.equal(run.code, 0, describe(run));
        const lines = run.stdout.map((l) => l.text);
        assert.ok(lines.includes(`release: signed by key ${key.keyId} (${key.publicKey})`));
        await withLogs(agent, waitFor("1.5.0 health", () => agent.healthyAt("1.5.0"), 60_000));
        const updaterLog = await Deno.readTextFile(join(agent.dir, "logs", "updater.log"));
        assert.match(updaterLog, new RegExp(`Trusted keys: ${key.keyId}`));
        assert.match(
          await agent.agentLog(),
          new RegExp(`Package signature verified.*${key.keyId}`),
        );
      });
    } finally {
      await e2e.close();
    }
  },
});
