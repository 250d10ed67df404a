/**
 * Builds real portable packages from this tree (`deno bundle` child processes)
 * and runs their launchers with the current deno.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { buildPackage, type BuiltPackage, refreshManifest, zipPackage } from "./build_package.ts";
import { cmdLauncher } from "./build_portable.ts";
import { hashFile } from "./manifest.ts";
import { generateSigningKey } from "./signing_key.ts";
import { parseTrustedKeys, verifyManifestSignature } from "../../package/signature.ts";
import { extractZip, listZip } from "./zip.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function run(command: string, args: string[], env: Record<string, string>, cwd: string) {
  const out = await new Deno.Command(command, {
    args,
    env,
    cwd,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("buildPackage builds a portable package whose launchers print the stamped version", async (t) => {
  const dir = await Deno.makeTempDir();
  const versionBefore = await Deno.readTextFile(join(ROOT, "agent/version.ts"));
  try {
    let built: BuiltPackage;
    await t.step("builds the zip and its manifest", async () => {
      built = await buildPackage({ root: ROOT, version: "1.2.3", target: "portable", outDir: dir });
      assert.equal(built.zipPath, join(dir, "hangar-agent-1.2.3-portable.zip"));
      assert.deepEqual(
        { ...built.manifest, files: undefined },
        {
          name: "hangar-agent",
          version: "1.2.3",
          platform: "portable",
          agent: "agent",
          updater: "updater",
          files: undefined,
        },
      );
      assert.deepEqual(
        (await listZip(built.zipPath)).map((e) => [e.path, e.executable]),
        [
          ["manifest.json", false],
          ["agent", true],
          ["agent.cmd", false],
          ["agent.js", false],
          ["updater", true],
          ["updater.cmd", false],
          ["updater.js", false],
        ],
      );
      assert.deepEqual(await hashFile(built.zipPath), { sha256: built.sha256, size: built.size });
      assert.equal(await Deno.readTextFile(join(ROOT, "agent/version.ts")), versionBefore);
    });

    const install = join(dir, "install");
    await t.step("every extracted file matches its manifest hash", async () => {
      await extractZip(built.zipPath, install);
      for (const file of built.manifest.files) {
        const actual = await hashFile(join(install, file.path));
        assert.deepEqual(actual, { sha256: file.sha256, size: file.size }, file.path);
      }
      // What the agent does on extraction: mark the manifest's entries executable.
      for (const entry of ["agent", "updater"]) await Deno.chmod(join(install, entry), 0o755);
    });

    for (const entry of ["agent", "updater"]) {
      await t.step(`${entry} --version prints 1.2.3 with HANGAR_DENO`, async () => {
        const env = { HANGAR_DENO: Deno.execPath(), PATH: "/usr/bin:/bin", HOME: dir };
        const result = await run(join(install, entry), ["--version"], env, dir);
        assert.equal(result.stdout, "1.2.3\n", result.stderr);
        assert.equal(result.code, 0);
      });
    }

    await t.step("agent --version finds deno on PATH when HANGAR_DENO is unset", async () => {
      const env = { PATH: `${dirname(Deno.execPath())}:/usr/bin:/bin`, HOME: dir };
      const result = await run(join(install, "agent"), ["--version"], env, "/");
      assert.equal(result.stdout, "1.2.3\n", result.stderr);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the .cmd launcher runs the bundle beside it with HANGAR_DENO or deno", () => {
  const text = cmdLauncher("agent");
  assert.ok(text.split("\n").slice(0, -1).every((line) => line.endsWith("\r")), "CRLF lines");
  assert.match(text, /set "HANGAR_DENO_EXE=%HANGAR_DENO%"/);
  assert.match(text, /if "%HANGAR_DENO_EXE%"=="" set "HANGAR_DENO_EXE=deno"/);
  assert.match(
    text,
    /"%HANGAR_DENO_EXE%" run --allow-all --no-prompt --no-config "%~dp0agent\.js" %\*/,
  );
});

Deno.test("zipPackage puts manifest.sig after manifest.json, is reproducible; refreshManifest re-hashes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pkg = join(dir, "pkg");
    await Deno.mkdir(pkg);
    await Deno.writeTextFile(join(pkg, "agent"), "old");
    await Deno.writeTextFile(join(pkg, "updater"), "u");
    await Deno.writeTextFile(
      join(pkg, "manifest.json"),
      JSON.stringify({
        name: "hangar-agent",
        version: "1.0.0",
        platform: "portable",
        agent: "agent",
        updater: "updater",
        files: ["agent", "updater"].map((path) => ({ path, sha256: "0".repeat(64), size: 0 })),
      }),
    );
    await Deno.writeTextFile(join(pkg, "agent"), "new agent");
    const manifest = await refreshManifest(pkg);
    assert.deepEqual(manifest.files[0], { path: "agent", ...await hashFile(join(pkg, "agent")) });

    await Deno.writeTextFile(join(pkg, "manifest.sig"), "signature");
    const modified = new Date("2026-01-02T03:04:06Z");
    const first = await zipPackage(pkg, join(dir, "p.zip"), modified);
    assert.deepEqual(
      (await listZip(join(dir, "p.zip"))).map((e) => e.path),
      ["manifest.json", "manifest.sig", "agent", "updater"],
    );
    // The same files and time give the same zip, byte for byte.
    await new Promise((r) => setTimeout(r, 2_100)); // past zip's 2-second time resolution
    assert.deepEqual(await zipPackage(pkg, join(dir, "again.zip"), modified), first);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildPackage with a signing key writes manifest.sig and builds the keys into the agent", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { key } = await generateSigningKey();
    const { key: next } = await generateSigningKey();
    const built = await buildPackage({
      root: ROOT,
      version: "1.2.4",
      target: "portable",
      outDir: dir,
      signingKey: key,
      trustedKeys: [next.publicKey],
    });
    assert.equal(built.signedBy, key.keyId);
    assert.deepEqual(built.trustedKeys, [key.publicKey, next.publicKey]);
    const entries = (await listZip(built.zipPath)).map((e) => e.path);
    assert.deepEqual(entries.slice(0, 2), ["manifest.json", "manifest.sig"]);

    const install = join(dir, "install");
    await extractZip(built.zipPath, install);
    const manifest = await Deno.readFile(join(install, "manifest.json"));
    const sig = await Deno.readFile(join(install, "manifest.sig"));
    const result = await verifyManifestSignature(
      manifest,
      sig,
      await parseTrustedKeys([key.publicKey]),
    );
    assert.deepEqual(result, { ok: true, keyId: key.keyId });
    // The bundled agent carries both keys; the working tree still carries none.
    const agentJs = await Deno.readTextFile(join(install, "agent.js"));
    assert.ok(agentJs.includes(key.publicKey) && agentJs.includes(next.publicKey));
    const tree = await Deno.readTextFile(join(ROOT, "agent/trusted_keys.ts"));
    assert.match(tree, /TRUSTED_KEYS: readonly string\[\] = \[\];/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
