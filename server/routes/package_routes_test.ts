import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  makeTestApp,
  TEST_ADAPTERS,
  type TestAgent,
  type TestApp,
} from "../../tests/helpers/test_app.ts";
import {
  buildPackage,
  PACKAGE_FILES,
  sha256,
  uploadVersion,
} from "../../tests/helpers/package_fixtures.ts";

function download(
  t: TestApp,
  agent: TestAgent | Record<string, string>,
  name: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const credentials = "headers" in agent ? agent.headers as Record<string, string> : agent;
  return Promise.resolve(t.app.request(`/api/agent/agent-packages/${name}`, {
    method: init.method ?? "GET",
    headers: { ...credentials, ...init.headers },
  }));
}

const NAME = "hangar-agent-1.4.0.zip";

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `GET /agent-packages serves the whole package and resumes with Range (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const agent = await app.registerAgent();
      // Big enough to span several reads of the file stream.
      const pkg = await buildPackage("1.4.0", {
        files: { ...PACKAGE_FILES, "blob.bin": new Uint8Array(randomBytes(700_000)) },
      });
      const record = await uploadVersion(app, "1.4.0", pkg);
      assert.equal(record.download_url, `/api/agent/agent-packages/${NAME}`);
      const size = pkg.bytes.length;

      await t.step("a full download has the headers a resuming client needs", async () => {
        const res = await download(app, agent, NAME);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-length"), String(size));
        assert.equal(res.headers.get("etag"), `"${pkg.sha256}"`);
        assert.equal(res.headers.get("accept-ranges"), "bytes");
        assert.equal(res.headers.get("content-type"), "application/zip");
        assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), pkg.sha256);
      });

      await t.step("interrupted in the middle, then resumed: the exact SHA-256", async () => {
        const half = Math.floor(size / 2) + 17;
        const first = await download(app, agent, NAME);
        const reader = first.body!.getReader();
        const received: Uint8Array[] = [];
        let got = 0;
        while (got < half) {
          const { value } = await reader.read();
          received.push(value!);
          got += value!.length;
        }
        await reader.cancel(); // the connection drops
        const kept = new Uint8Array(await new Blob(received as BlobPart[]).arrayBuffer())
          .subarray(0, half);
        const rest = await download(app, agent, NAME, {
          headers: { range: `bytes=${half}-`, "if-range": `"${pkg.sha256}"` },
        });
        assert.equal(rest.status, 206);
        assert.equal(rest.headers.get("content-range"), `bytes ${half}-${size - 1}/${size}`);
        assert.equal(rest.headers.get("content-length"), String(size - half));
        const hash = createHash("sha256").update(kept);
        hash.update(new Uint8Array(await rest.arrayBuffer()));
        assert.equal(hash.digest("hex"), pkg.sha256);
      });

      await t.step("ranges: bounded, suffix, past the end, unsatisfiable", async () => {
        const cases: [string, number, string | null, [number, number] | null][] = [
          ["bytes=0-9", 206, `bytes 0-9/${size}`, [0, 10]],
          ["bytes=-100", 206, `bytes ${size - 100}-${size - 1}/${size}`, [size - 100, size]],
          [`bytes=10-${size + 999}`, 206, `bytes 10-${size - 1}/${size}`, [10, size]],
          [`bytes=${size}-`, 416, `bytes */${size}`, null],
          ["bytes=0-1,5-6", 200, null, [0, size]], // several ranges: the whole file
          ["lines=1-2", 200, null, [0, size]],
        ];
        for (const [range, status, contentRange, slice] of cases) {
          const res = await download(app, agent, NAME, { headers: { range } });
          assert.equal(res.status, status, range);
          assert.equal(res.headers.get("content-range"), contentRange, range);
          if (slice) {
            const body = new Uint8Array(await res.arrayBuffer());
            assert.deepEqual(body, pkg.bytes.subarray(...slice), range);
          } else {
            assert.equal((await res.json()).error.code, "range_not_satisfiable");
          }
        }
      });

      await t.step("If-Range with another ETag gets the whole new file", async () => {
        const res = await download(app, agent, NAME, {
          headers: { range: "bytes=100-", "if-range": '"an-older-file"' },
        });
        assert.equal(res.status, 200);
        assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), pkg.sha256);
      });

      await t.step("If-None-Match with the ETag: 304, no body", async () => {
        const res = await download(app, agent, NAME, {
          headers: { "if-none-match": `"${pkg.sha256}"` },
        });
        assert.equal(res.status, 304);
        assert.equal(res.body, null);
      });

      await t.step("HEAD answers the headers without a body", async () => {
        const res = await download(app, agent, NAME, { method: "HEAD" });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-length"), String(size));
        assert.equal(res.headers.get("etag"), `"${pkg.sha256}"`);
        assert.equal((await res.arrayBuffer()).byteLength, 0);
      });

      await t.step("the X-Agent-* spelling works", async () => {
        const res = await download(
          app,
          {
            "x-agent-id": agent.agent_id,
            "x-agent-token": agent.agent_token,
          },
          NAME,
          { method: "HEAD" },
        );
        assert.equal(res.status, 200);
      });
    },
  });

  Deno.test({
    name: `GET /agent-packages refuses strangers and names outside the package folder (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const agent = await app.registerAgent();
      await uploadVersion(app, "1.4.0");
      // Files a traversal would reach: beside the packages folder and in its temp folder.
      await Deno.writeTextFile(join(app.dataDir, "secret.txt"), "SECRET");
      await Deno.writeTextFile(join(app.dataDir, "packages", ".incoming", "x.part"), "SECRET");

      const names = [
        "..%2Fsecret.txt",
        "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "%2Fetc%2Fpasswd",
        "..%5Csecret.txt",
        ".incoming%2Fx.part",
        "%2E%2E%2Fsecret.txt",
        "hangar-agent-9.9.9.zip",
        "secret.txt",
      ];
      for (const name of names) {
        await t.step(`"${name}": 404`, async () => {
          const res = await download(app, agent, name);
          const text = await res.text();
          assert.equal(res.status, 404, text);
          assert.doesNotMatch(text, /SECRET/);
        });
      }
      await t.step(
        `"hangar-agent-1.4.0.zip%00": 400 invalid_text (no path may hold a NUL)`,
        async () => {
          const res = await download(app, agent, "hangar-agent-1.4.0.zip%00");
          const text = await res.text();
          assert.equal(res.status, 400, text);
          assert.equal(JSON.parse(text).error.code, "invalid_text");
        },
      );
      await t.step("a dot-dot path outside the route: no package", async () => {
        const res = await app.app.request("/api/agent/agent-packages/../../secret.txt", {
          headers: agent.headers,
        });
        assert.doesNotMatch(await res.text(), /SECRET/);
        assert.equal(res.status, 404);
      });

      const credentials: [string, Record<string, string>][] = [
        ["no credentials", {}],
        ["a wrong token", { "agent-id": agent.agent_id, "agent-token": "wrong" }],
        ["an unknown agent", { "agent-id": crypto.randomUUID(), "agent-token": agent.agent_token }],
        ["only an id", { "x-agent-id": agent.agent_id }],
      ];
      for (const [what, headers] of credentials) {
        await t.step(`${what}: 401`, async () => {
          const res = await download(app, headers, NAME);
          assert.equal(res.status, 401);
          assert.equal((await res.json()).error.code, "unauthorized");
        });
      }

      await t.step("a known version whose file is gone: 404", async () => {
        await Deno.remove(join(app.dataDir, "packages", NAME));
        const res = await download(app, agent, NAME);
        assert.equal(res.status, 404);
        await res.body?.cancel();
      });
    },
  });

  Deno.test({
    name: `GET /agent-packages answers 503 busy beyond MAX_CONCURRENT_DOWNLOADS (${label})`,
    ignore,
    async fn() {
      await using app = await makeTestApp({ adapter, env: { MAX_CONCURRENT_DOWNLOADS: "1" } });
      const agent = await app.registerAgent();
      await uploadVersion(app, "1.4.0");
      const first = await download(app, agent, NAME);
      assert.equal(first.status, 200);

      const second = await download(app, agent, NAME);
      assert.equal(second.status, 503);
      assert.equal(second.headers.get("retry-after"), "10");
      assert.equal((await second.json()).error.code, "busy");

      await first.body!.cancel(); // the first client goes away: its slot frees
      const third = await download(app, agent, NAME);
      assert.equal(third.status, 200);
      await third.arrayBuffer();
      const fourth = await download(app, agent, NAME, { method: "HEAD" });
      assert.equal(fourth.status, 200, "a finished download frees its slot too");
    },
  });
}
