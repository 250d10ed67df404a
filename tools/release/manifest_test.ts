import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseManifest } from "../../package/mod.ts";
import { createManifest, hashFile, writeManifest } from "./manifest.ts";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("hashFile returns the SHA-256 and size of files smaller and larger than a read", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    for (const size of [0, 5, 1024 * 1024, 2.5 * 1024 * 1024 + 3]) {
      await t.step(`${size} bytes`, async () => {
        const bytes = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
        const path = join(dir, `f${size}`);
        await Deno.writeFile(path, bytes);
        assert.deepEqual(await hashFile(path), { sha256: sha256(bytes), size });
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createManifest lists every file with its hash and size in DESIGN.md's format", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = { "agent": "#!/bin/sh\n", "agent.js": "console.log(1)", "updater": "u" };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    const manifest = await createManifest({
      version: "1.1.0",
      platform: "portable",
      agent: "agent",
      updater: "updater",
      files: Object.keys(files),
      dir,
    });
    const bytes = (text: string) => new TextEncoder().encode(text);
    assert.deepEqual(manifest, {
      name: "hangar-agent",
      version: "1.1.0",
      platform: "portable",
      agent: "agent",
      updater: "updater",
      files: Object.entries(files).map(([path, text]) => ({
        path,
        sha256: sha256(bytes(text)),
        size: bytes(text).length,
      })),
    });
    const written = await writeManifest(dir, manifest);
    assert.deepEqual(parseManifest(await Deno.readTextFile(written)), manifest);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createManifest fails when the agent or updater is not among the files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "agent"), "a");
    await assert.rejects(
      createManifest({
        version: "1.0.0",
        platform: "portable",
        agent: "agent",
        updater: "updater",
        files: ["agent"],
        dir,
      }),
      /no file "updater"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
