import assert from "node:assert/strict";
import { join } from "node:path";
import { makePackage, type MakePackageOptions } from "../tests/helpers/make_package.ts";
import { PackageError, verifyAndExtract } from "./package.ts";

const goodFiles = {
  agent: "#!/bin/sh\necho agent\n",
  updater: "#!/bin/sh\necho updater\n",
  "lib/agent.js": "console.log('agent 1.1.0');\n",
};

async function extract(options: MakePackageOptions, mutate?: (zip: Uint8Array) => void) {
  const dir = await Deno.makeTempDir({ prefix: "hangar-pkg-" });
  const zipPath = join(dir, "package.zip");
  await makePackage(options, zipPath);
  if (mutate) {
    const bytes = await Deno.readFile(zipPath);
    mutate(bytes);
    await Deno.writeFile(zipPath, bytes);
  }
  const staging = join(dir, "staging");
  try {
    return { manifest: await verifyAndExtract(zipPath, staging), dir, staging };
  } catch (err) {
    return { error: err as Error, dir, staging };
  }
}

Deno.test("verifyAndExtract writes every listed file with its content and mode", async () => {
  const r = await extract({
    version: "1.1.0",
    files: goodFiles,
    extraEntries: { "manifest.sig": "sig" },
  });
  try {
    assert.equal(r.error, undefined);
    assert.equal(r.manifest?.version, "1.1.0");
    assert.equal(
      await Deno.readTextFile(join(r.staging, "lib", "agent.js")),
      goodFiles["lib/agent.js"],
    );
    assert.equal(await Deno.readTextFile(join(r.staging, "manifest.sig")), "sig");
    const manifest = JSON.parse(await Deno.readTextFile(join(r.staging, "manifest.json")));
    assert.equal(manifest.version, "1.1.0");
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(join(r.staging, "agent"))).mode! & 0o777, 0o755);
    }
  } finally {
    await Deno.remove(r.dir, { recursive: true });
  }
});

Deno.test("verifyAndExtract rejects a package that does not match its manifest", async (t) => {
  const cases: { name: string; options: MakePackageOptions; message: RegExp }[] = [
    {
      name: "wrong sha256",
      options: {
        version: "1.1.0",
        files: goodFiles,
        manifestOverride: (m) => ({
          ...m,
          files: m.files.map((f) => f.path === "agent" ? { ...f, sha256: "0".repeat(64) } : f),
        }),
      },
      message: /"agent" does not match manifest.json/,
    },
    {
      name: "wrong size",
      options: {
        version: "1.1.0",
        files: goodFiles,
        manifestOverride: (m) => ({
          ...m,
          files: m.files.map((f) => ({ ...f, size: f.size + 1 })),
        }),
      },
      message: /bytes; manifest.json says/,
    },
    {
      name: "listed file missing",
      options: {
        version: "1.1.0",
        files: goodFiles,
        manifestOverride: (m) => ({
          ...m,
          files: [...m.files, { path: "extra.dll", sha256: "a".repeat(64), size: 1 }],
        }),
      },
      message: /missing "extra.dll"/,
    },
    {
      name: "unlisted entry",
      options: { version: "1.1.0", files: goodFiles, extraEntries: { "evil.exe": "x" } },
      message: /"evil.exe" is not listed/,
    },
    {
      name: "parent-folder path",
      options: { version: "1.1.0", files: goodFiles, extraEntries: { "../evil.txt": "x" } },
      message: /not a safe relative path/,
    },
    {
      name: "absolute path",
      options: { version: "1.1.0", files: goodFiles, extraEntries: { "/etc/evil": "x" } },
      message: /not a safe relative path/,
    },
    {
      name: "file inside the agent's config",
      options: { version: "1.1.0", files: { ...goodFiles, "config/config.json": "{}" } },
      message: /reserved for the agent's data/,
    },
    {
      name: "agent not among the files",
      options: { version: "1.1.0", files: goodFiles, agent: "agent.exe" },
      message: /agent "agent.exe" is not among its files/,
    },
    {
      name: "other platform",
      options: { version: "1.1.0", files: goodFiles, platform: "plan9-mips" },
      message: /platform "plan9-mips"/,
    },
    {
      name: "bad version",
      options: { version: "one", files: goodFiles },
      message: /not a semantic version/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const r = await extract(c.options);
      try {
        assert.ok(r.error instanceof PackageError, `expected a PackageError, got ${r.error}`);
        assert.match(r.error.message, c.message);
      } finally {
        await Deno.remove(r.dir, { recursive: true });
      }
    });
  }
});

Deno.test("verifyAndExtract rejects a file that is not a zip or a damaged zip", async (t) => {
  await t.step("not a zip", async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(join(dir, "p.zip"), "this is not a zip");
    await assert.rejects(verifyAndExtract(join(dir, "p.zip"), join(dir, "s")), PackageError);
    await Deno.remove(dir, { recursive: true });
  });
  await t.step("content bytes flipped", async () => {
    // Random bytes do not compress, so they sit verbatim in the zip where they can be damaged.
    const blob = crypto.getRandomValues(new Uint8Array(4096));
    const r = await extract(
      { version: "1.1.0", files: { ...goodFiles, "blob.bin": blob } },
      (zip) => {
        const at = indexOf(zip, blob.subarray(0, 32));
        assert.ok(at > 0, "the blob is stored verbatim");
        zip[at + 100] ^= 0xff;
      },
    );
    try {
      assert.ok(r.error instanceof PackageError, `expected a PackageError, got ${r.error}`);
    } finally {
      await Deno.remove(r.dir, { recursive: true });
    }
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

Deno.test("verifyAndExtract refuses before extracting when the files do not fit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hangar-pkg-space-" });
  try {
    const zip = join(dir, "package.zip");
    await makePackage(
      { version: "1.1.0", files: { ...goodFiles, "big.bin": "a".repeat(2e6) } },
      zip,
    );
    const staging = join(dir, "staging");
    const tooLittle = () => Promise.resolve(2 * 1024 * 1024);
    const error = await verifyAndExtract(zip, staging, undefined, tooLittle).catch((e) => e);
    assert.match(String(error), /Not enough free disk space .* needed \(2000\d+ to stage/);
    assert.ok(!(error instanceof PackageError), "the package itself is fine: it is kept");
    assert.deepEqual([...Deno.readDirSync(staging)], [], "nothing extracted");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
