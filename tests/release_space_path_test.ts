/**
 * The release tool from a checkout whose path holds spaces (as under
 * "C:\Users\Jane Doe\source" on Windows): the tracked files of this checkout
 * are copied into such a folder, `deno run tools/release.ts` builds a portable
 * package there into an out dir with a space too, and the agent unpacked from
 * it prints the stamped version. Paths built from URL.pathname broke this (a
 * "%20" in every path).
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { extractZip } from "../tools/release/zip.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function copyCheckout(to: string): Promise<void> {
  const list = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  const files = new TextDecoder().decode(list.stdout).split("\0").filter(Boolean);
  for (const file of files) {
    const from = join(ROOT, file);
    if (!(await Deno.stat(from).catch(() => null))?.isFile) continue; // deleted, not committed
    await Deno.mkdir(dirname(join(to, file)), { recursive: true });
    await Deno.copyFile(from, join(to, file));
  }
}

Deno.test({
  name: "release builds a working package from a checkout path with spaces",
  ignore: Deno.build.os === "windows",
  async fn() {
    const base = await Deno.makeTempDir({ prefix: "hangar space test " });
    try {
      const checkout = join(base, "my checkout");
      await copyCheckout(checkout);
      const out = join(base, "dist out");
      const run = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          join(checkout, "tools", "release.ts"),
          "--version",
          "3.1.4",
          "--target",
          "portable",
          "--out",
          out,
        ],
        cwd: base,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const decoder = new TextDecoder();
      const output = decoder.decode(run.stdout) + decoder.decode(run.stderr);
      assert.equal(run.code, 0, output);
      assert.doesNotMatch(output, /%20/);
      const zip = join(out, "hangar-agent-3.1.4-portable.zip");
      const unpacked = join(base, "installed agent");
      await extractZip(zip, unpacked);
      await Deno.chmod(join(unpacked, "agent"), 0o755);
      const version = await new Deno.Command(join(unpacked, "agent"), {
        args: ["--version"],
        env: { HANGAR_DENO: Deno.execPath() },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(decoder.decode(version.stdout).trim(), "3.1.4", decoder.decode(version.stderr));
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});
