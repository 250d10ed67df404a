/**
 * Starts `deno compile` (and the release CLI) as child processes. This machine
 * cannot download Deno's denort runtime, so these tests pin down what a user
 * sees then, and use a small ELF binary as a stand-in denort to check that a
 * compiled build is packaged right.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileEntry, DenortUnavailableError } from "./build_compiled.ts";
import { buildPackage, type BuiltPackage } from "./build_package.ts";
import { hashFile } from "./manifest.ts";
import { extractZip, listZip } from "./zip.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ONE_LINE_HINT = /set DENORT_BIN to a local denort binary, or use --target portable/;

Deno.test("compileEntry says in one line that denort could not be downloaded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "hello.ts"), 'console.log("hello");\n');
    const started = Date.now();
    // A fresh DENO_DIR has no cached denort, and a proxy on a closed port makes
    // the download fail at once whether or not this machine has a network.
    const error = await compileEntry({
      buildDir: dir,
      entry: "hello.ts",
      output: join(dir, "hello"),
      triple: "x86_64-unknown-linux-gnu",
      env: {
        DENORT_BIN: undefined,
        DENO_DIR: join(dir, "deno_dir"),
        HTTPS_PROXY: "http://127.0.0.1:9",
        HTTP_PROXY: "http://127.0.0.1:9",
        NO_PROXY: undefined,
        no_proxy: undefined,
      },
    }).then(() => null, (e) => e);
    assert.ok(error instanceof DenortUnavailableError, `got ${error}`);
    assert.match(error.message, /could not be downloaded/);
    // The user can fetch it by hand: the message names the Deno version and the address.
    assert.ok(error.message.includes(`for Deno ${Deno.version.deno}`), error.message);
    assert.ok(
      error.message.includes(
        `https://dl.deno.land/release/v${Deno.version.deno}/denort-x86_64-unknown-linux-gnu.zip`,
      ),
      error.message,
    );
    assert.match(error.message, ONE_LINE_HINT);
    assert.ok(!error.message.includes("\n"));
    assert.ok(Date.now() - started < 60_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("release CLI prints one line naming DENORT_BIN and the portable target when DENORT_BIN is missing", async () => {
  const out = await Deno.makeTempDir();
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        join(ROOT, "tools/release.ts"),
        "--target",
        "windows-x64",
        "--out",
        out,
      ],
      env: { DENORT_BIN: join(out, "no-such-denort"), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const stderr = new TextDecoder().decode(result.stderr).trim();
    assert.equal(result.code, 1);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(stderr, /^release: deno compile needs Deno's denort runtime/);
    assert.match(stderr, /DENORT_BIN \(.*no-such-denort\) is not a file/);
    assert.match(stderr, ONE_LINE_HINT);
    assert.deepEqual([...Deno.readDirSync(out)], [], "the failed build left nothing behind");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

/** /bin/true as denort: an ELF deno compile accepts as a base binary (the result runs nothing). */
async function standInDenort(dir: string): Promise<string> {
  const denort = join(dir, "denort");
  await Deno.copyFile("/bin/true", denort);
  return denort;
}

/** Unzips a built package and checks every file against its manifest hash; returns the folder. */
async function unpackChecked(built: BuiltPackage, dir: string): Promise<string> {
  const unpacked = join(dir, "unpacked");
  await extractZip(built.zipPath, unpacked);
  for (const file of built.manifest.files) {
    assert.deepEqual(await hashFile(join(unpacked, file.path)), {
      sha256: file.sha256,
      size: file.size,
    });
  }
  return unpacked;
}

Deno.test("buildPackage packages compiled linux-x64 executables with their hashes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The result does not run the agent, but it exercises the whole compile-and-package path.
    const denort = await standInDenort(dir);
    const built = await buildPackage({
      root: ROOT,
      version: "2.3.4",
      target: "linux-x64",
      outDir: join(dir, "dist"),
      env: { DENORT_BIN: denort },
    });
    assert.equal(built.zipPath, join(dir, "dist", "hangar-agent-2.3.4-linux-x64.zip"));
    assert.equal(built.manifest.platform, "linux-x64");
    assert.equal(built.manifest.agent, "agent");
    assert.equal(built.manifest.updater, "updater");
    assert.deepEqual(
      (await listZip(built.zipPath)).map((e) => [e.path, e.executable]),
      [["manifest.json", false], ["agent", true], ["updater", true]],
    );
    assert.deepEqual(await hashFile(built.zipPath), { sha256: built.sha256, size: built.size });
    await unpackChecked(built, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildPackage runs --sign-command on each executable before hashing it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const denort = await standInDenort(dir);
    // A stand-in for signtool that appends a "signature" to the file it is given.
    const built = await buildPackage({
      root: ROOT,
      version: "2.3.5",
      target: "linux-x64",
      outDir: join(dir, "dist"),
      env: { DENORT_BIN: denort },
      windows: { signCommand: `sh -c 'printf SIGNED >> "$1"' sign {file}` },
    });
    // The manifest hashes the signed files.
    const unpacked = await unpackChecked(built, dir);
    for (const file of built.manifest.files) {
      const bytes = await Deno.readFile(join(unpacked, file.path));
      assert.equal(new TextDecoder().decode(bytes.slice(-6)), "SIGNED", file.path);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failing --sign-command fails the build with its output and leaves no folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const denort = await standInDenort(dir);
    const out = join(dir, "dist");
    await assert.rejects(
      () =>
        buildPackage({
          root: ROOT,
          version: "2.3.6",
          target: "linux-x64",
          outDir: out,
          env: { DENORT_BIN: denort },
          windows: { signCommand: `sh -c 'echo "no certificate found" >&2; exit 1'` },
        }),
      /Signing .*agent failed \(exit 1\): no certificate found/,
    );
    assert.equal(await Deno.stat(out).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
