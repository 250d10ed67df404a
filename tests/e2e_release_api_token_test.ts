/**
 * `deno task release` from CI with an API token: a real server process, a
 * `versions:write` token made by the admin, and the release CLI with
 * HANGAR_API_TOKEN and no user, password or session token in its environment.
 * It uploads and marks stable; a revoked token fails before anything is built;
 * the server's log never holds the token.
 */
import assert from "node:assert/strict";
import type { AgentVersionRecord, CreatedApiToken } from "../protocol/mod.ts";
import { describe, runRelease } from "./helpers/release_cli.ts";
import { adminFetch, startServer } from "./helpers/server_process.ts";

/** Blank out every other credential the release tool reads. */
const NO_PASSWORD = { HANGAR_USER: "", HANGAR_PASSWORD: "", HANGAR_TOKEN: "" };

Deno.test("e2e: release --server with HANGAR_API_TOKEN uploads and marks stable", async (t) => {
  const out = await Deno.makeTempDir({ prefix: "hangar-e2e-release-token-" });
  const server = await startServer();
  try {
    const created = await adminFetch<CreatedApiToken>(server, "/api-tokens", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ci-release", scopes: ["versions:write"] }),
    });
    const env = { ...NO_PASSWORD, HANGAR_API_TOKEN: created.token };

    await t.step("uploads and marks stable with the token alone", async () => {
      const run = await runRelease(
        [
          "--version",
          "3.1.0",
          "--target",
          "portable",
          "--out",
          out,
          "--server",
          server.url,
          "--stable",
        ],
        env,
      );
      assert.equal(run.code, 0, describe(run));
      const lines = run.stdout.map((l) => l.text);
      assert.ok(lines.includes("release: 3.1.0 is now the stable version"), describe(run));
      const versions = await adminFetch<AgentVersionRecord[]>(server, "/agents/versions");
      assert.deepEqual(versions.map((v) => [v.version, v.is_stable]), [["3.1.0", true]]);
      const [listed] = await adminFetch<{ last_used_at: string | null }[]>(server, "/api-tokens");
      assert.ok(listed.last_used_at);
    });

    await t.step("a revoked token fails before building, with the server's 401", async () => {
      await adminFetch(server, `/api-tokens/${created.id}`, { method: "DELETE" });
      const run = await runRelease(
        ["--version", "3.2.0", "--target", "portable", "--out", out, "--server", server.url],
        env,
      );
      assert.equal(run.code, 1, describe(run));
      assert.match(run.stderr, /checking the API token failed \(401 unauthorized\)/);
      assert.equal(run.stdout.length, 0, "nothing was built");
    });

    assert.ok(!server.output().includes(created.token.slice(4)), "the token is never logged");
  } finally {
    await server.stop();
    await Deno.remove(out, { recursive: true });
  }
});
