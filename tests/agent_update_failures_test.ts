/**
 * Starts a real server and real `agent run` processes whose updates fail: a
 * package tampered with on the way (through a loopback proxy) and a full disk
 * (the resource check's input faked with HANGAR_FAKE_FREE_BYTES). Each failure
 * must reach the server with its type and details, and the agent must go back
 * to IDLE and keep running.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  getComputerErrors,
  markStable,
  startServer,
  type TestServer,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";
import {
  enrolledInstallDir,
  readAgentLog,
  startAgent,
  startProxy,
  stubPackage,
  waitForLog,
} from "./agent_harness.ts";
import type { ComputerError } from "../protocol/mod.ts";
import { spaceNeeded, validateManifest } from "../package/mod.ts";
import { type MadePackage, makePackage } from "./helpers/make_package.ts";

function waitForError(server: TestServer, computerId: string, type: string) {
  return waitFor<ComputerError>(`${type} on the server`, async () => {
    const errors = await getComputerErrors(server, computerId);
    return errors.find((e) => e.error_type === type);
  });
}

Deno.test({
  name: "agent update failures are reported and the agent returns to IDLE",
  ignore: Deno.build.os === "windows",
  async fn(t) {
    const server = await startServer();
    const work = await Deno.makeTempDir({ prefix: "hangar-failures-" });
    const made = await stubPackage("1.1.0", join(work, "p.zip"), 100_000);
    const record = await uploadPackage(server, join(work, "p.zip"), "1.1.0");
    await markStable(server, record.id);
    try {
      await t.step("a tampered package gives UpdateChecksumMismatch", async () => {
        const proxy = startProxy(server.url, { flipByteAt: 5000 });
        const installed = await enrolledInstallDir(server, {
          server_url: proxy.url,
          ws_enabled: false,
        });
        const agent = startAgent(installed.dir);
        try {
          const error = await waitForError(server, installed.computerId, "UpdateChecksumMismatch");
          assert.equal(error.error_details.expected_checksum, made.sha256);
          assert.match(String(error.error_details.actual_checksum), /^[0-9a-f]{64}$/);
          assert.notEqual(error.error_details.actual_checksum, made.sha256);
          assert.equal(error.error_details.target_version, "1.1.0");
          assert.equal(error.error_details.agent_version_at_error, "1.0.0");
          await waitForLog(installed.dir, /State UPDATING_VERIFYING -> IDLE/);
          await assert.rejects(
            () => Deno.stat(join(installed.dir, "_update", "package-1.1.0.zip")),
            Deno.errors.NotFound,
          );
          assert.equal(await agent.stop(), 0, "the agent kept running until stopped");
          assert.match(readAgentLog(installed.dir), /State SHUTTING_DOWN -> STOPPED/);
        } finally {
          await agent.stop();
          await proxy.close();
          await Deno.remove(installed.dir, { recursive: true });
        }
      });

      await t.step("a full disk gives UpdateResourceCheckFailed", async () => {
        const installed = await enrolledInstallDir(server, { ws_enabled: false });
        const agent = startAgent(installed.dir, { HANGAR_FAKE_FREE_BYTES: "1000" });
        try {
          const error = await waitForError(
            server,
            installed.computerId,
            "UpdateResourceCheckFailed",
          );
          assert.equal(
            error.error_details.required_bytes,
            spaceNeeded({ download: made.size }).required_bytes,
          );
          assert.equal(error.error_details.free_bytes, 1000);
          assert.equal(error.error_details.path, installed.dir);
          await waitForLog(installed.dir, /State UPDATING_STARTING -> IDLE/);
          assert.doesNotMatch(readAgentLog(installed.dir), /UPDATING_DOWNLOADING/);
          assert.equal(await agent.stop(), 0);
        } finally {
          await agent.stop();
          await Deno.remove(installed.dir, { recursive: true });
        }
      });

      await t.step(
        "room for the zip but not for what it unpacks to: refused at step 4",
        async () => {
          // Compresses ~1000x: 3x the zip would be far too little.
          const big = await makePackage({
            version: "1.2.0",
            files: {
              agent: "#!/bin/sh\nexit 0\n",
              "agent.js": "a".repeat(3_000_000),
              updater: "u",
            },
          }, join(work, "big.zip"));
          const need = spaceNeeded({ manifest: parseManifestOf(big), updaterCopy: true });
          const free = spaceNeeded({ download: big.size }).required_bytes;
          assert.ok(free < need.required_bytes && free > big.size * 3);
          await markStable(
            server,
            (await uploadPackage(server, join(work, "big.zip"), "1.2.0")).id,
          );
          const installed = await enrolledInstallDir(server, { ws_enabled: false });
          const agent = startAgent(installed.dir, { HANGAR_FAKE_FREE_BYTES: String(free) });
          try {
            const error = await waitForError(
              server,
              installed.computerId,
              "UpdateResourceCheckFailed",
            );
            assert.equal(error.error_details.target_version, "1.2.0");
            assert.equal(error.error_details.required_bytes, need.required_bytes);
            assert.equal(error.error_details.staging_bytes, need.staging_bytes);
            assert.ok(need.staging_bytes > 3_000_000);
            assert.equal(error.error_details.free_bytes, free);
            await waitForLog(installed.dir, /State UPDATING_EXTRACTING_UPDATER -> IDLE/);
            assert.equal(
              await Deno.stat(join(installed.dir, "_update", "updater")).catch(() => null),
              null,
            );
            assert.equal(await agent.stop(), 0);
          } finally {
            await agent.stop();
            await Deno.remove(installed.dir, { recursive: true });
          }
        },
      );
    } finally {
      await server.stop();
      await Deno.remove(work, { recursive: true });
    }
  },
});

function parseManifestOf(made: MadePackage) {
  return validateManifest(made.manifest);
}
