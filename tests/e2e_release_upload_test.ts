/**
 * The release CLI against a real server process (own temp data dir): sign in
 * with HANGAR_USER/HANGAR_PASSWORD, upload with notes and --stable, plain
 * progress lines when not on a terminal, and the server's own message with a
 * non-zero exit when it refuses (a version uploaded twice, a wrong password).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AgentVersionRecord } from "../protocol/mod.ts";
import { describe, runRelease } from "./helpers/release_cli.ts";
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  adminFetch,
  startServer,
} from "./helpers/server_process.ts";

Deno.test("e2e: release --server uploads, marks stable, and shows the server's refusals", async (t) => {
  const out = await Deno.makeTempDir({ prefix: "hangar-e2e-release-" });
  const server = await startServer();
  const args = ["--version", "2.0.0", "--target", "portable", "--out", out, "--server", server.url];
  const signIn = { HANGAR_USER: ADMIN_USERNAME, HANGAR_PASSWORD: ADMIN_PASSWORD };
  try {
    await t.step("uploads with notes, signs in with user and password, marks stable", async () => {
      const run = await runRelease([...args, "--notes", "First 2.x", "--stable"], signIn);
      assert.equal(run.code, 0, describe(run));
      const lines = run.stdout.map((l) => l.text);
      assert.ok(lines.includes("release: 2.0.0 is now the stable version"), describe(run));
      assert.ok(lines.some((l) => /^release: sha256 [0-9a-f]{64}$/.test(l)));
      // Not a terminal here: plain progress lines, no carriage returns.
      assert.match(run.stderr, /release: uploading 2\.0\.0: 100% \(/);
      assert.doesNotMatch(run.stderr, /\r/);

      const versions = await adminFetch<AgentVersionRecord[]>(server, "/agents/versions");
      assert.equal(versions.length, 1);
      assert.equal(versions[0].version, "2.0.0");
      assert.equal(versions[0].notes, "First 2.x");
      assert.equal(versions[0].is_stable, true);
      const zip = await Deno.stat(join(out, "hangar-agent-2.0.0-portable.zip"));
      assert.equal(versions[0].file_size, zip.size);
    });

    await t.step("the same version again: the server's 409 message, exit 1", async () => {
      const run = await runRelease(args, { HANGAR_TOKEN: server.adminToken });
      assert.equal(run.code, 1, describe(run));
      assert.match(run.stderr, /^release: upload failed \(409 conflict\): .*2\.0\.0/m);
    });

    await t.step("a wrong password fails before building, with the server's message", async () => {
      const run = await runRelease(
        ["--version", "2.0.1", "--target", "portable", "--out", out, "--server", server.url],
        { HANGAR_USER: ADMIN_USERNAME, HANGAR_PASSWORD: "wrong-password" },
      );
      assert.equal(run.code, 1, describe(run));
      assert.match(run.stderr, /^release: sign-in failed \(401 unauthorized\): /m);
      assert.equal(run.stdout.length, 0, "nothing was built");
    });

    await t.step("no credentials: says which variables to set, exit 2", async () => {
      const run = await runRelease(args, {});
      assert.equal(run.code, 2);
      assert.match(
        run.stderr,
        /HANGAR_API_TOKEN, HANGAR_TOKEN, or HANGAR_USER and HANGAR_PASSWORD/,
      );
    });
  } finally {
    await server.stop();
    await Deno.remove(out, { recursive: true });
  }
});
