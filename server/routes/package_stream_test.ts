/**
 * Package downloads through a listening `Deno.serve` (test_app's `serve()`),
 * where whole-file and to-the-end downloads take the file's own stream and
 * the download slot is freed when the response is delivered or abandoned.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { makeTestApp, type TestAgent } from "../../tests/helpers/test_app.ts";
import {
  buildPackage,
  PACKAGE_FILES,
  sha256,
  uploadVersion,
} from "../../tests/helpers/package_fixtures.ts";

const NAME = "hangar-agent-1.4.0.zip";

Deno.test("GET /agent-packages over a real server: full, resumed, capped, slot freed", async (t) => {
  await using app = await makeTestApp({ env: { MAX_CONCURRENT_DOWNLOADS: "1" } });
  const agent: TestAgent = await app.registerAgent();
  // More than loopback socket buffers hold, so a download that is not read stays in flight.
  const pkg = await buildPackage("1.4.0", {
    files: { ...PACKAGE_FILES, "blob.bin": new Uint8Array(randomBytes(12_000_000)) },
  });
  await uploadVersion(app, "1.4.0", pkg);
  const url = `${await app.serve()}/api/agent/agent-packages/${NAME}`;
  const get = (headers: Record<string, string> = {}) =>
    fetch(url, { headers: { ...agent.headers, ...headers } });

  await t.step("a whole download has the package's exact bytes", async () => {
    const res = await get();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(pkg.bytes.length));
    assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), pkg.sha256);
  });

  await t.step("a resume from the middle gets exactly the rest", async () => {
    const from = 1_234_567;
    const res = await get({ range: `bytes=${from}-` });
    assert.equal(res.status, 206);
    assert.equal(
      res.headers.get("content-range"),
      `bytes ${from}-${pkg.bytes.length - 1}/${pkg.bytes.length}`,
    );
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), pkg.bytes.subarray(from));
  });

  await t.step(
    "while one download streams the next is 503; abandoning it frees the slot",
    async () => {
      const first = await get();
      const reader = first.body!.getReader();
      await reader.read();
      const second = await get();
      assert.equal(second.status, 503);
      assert.ok(Number(second.headers.get("retry-after")) > 0);
      await second.body?.cancel();
      await reader.cancel();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const third = await get();
        status = third.status;
        await third.body?.cancel();
      }
      assert.equal(status, 200, "the abandoned download's slot was never freed");
    },
  );
});
