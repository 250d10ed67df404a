import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "./main.ts";

Deno.test("main rejects bad or missing arguments with exit code 2 and touches nothing", async (t) => {
  const dir = await Deno.makeTempDir();
  const pkg = join(dir, "package.zip");
  await Deno.writeTextFile(pkg, "zip");
  const base = [
    "--package-path",
    pkg,
    "--install-dir",
    dir,
    "--pid-to-wait",
    "123",
    "--log-dir",
    join(dir, "logs"),
  ];
  const without = (flag: string) => {
    const at = base.indexOf(flag);
    return [...base.slice(0, at), ...base.slice(at + 2)];
  };
  const cases: [string, string[]][] = [
    ["no arguments", []],
    ["unknown flag", [...base, "--force"]],
    ["missing --package-path", without("--package-path")],
    ["missing --install-dir", without("--install-dir")],
    ["missing --pid-to-wait", without("--pid-to-wait")],
    ["missing --log-dir", without("--log-dir")],
    ["pid not a number", [...without("--pid-to-wait"), "--pid-to-wait", "abc"]],
    ["negative timeout", [...base, "--wait-timeout", "-1"]],
    ["install dir missing", [...without("--install-dir"), "--install-dir", join(dir, "nope")]],
    ["package missing", [...without("--package-path"), "--package-path", join(dir, "nope.zip")]],
    ["stray positional", [...base, "extra"]],
  ];
  for (const [name, args] of cases) {
    await t.step(name, async () => {
      assert.equal(await main(args), 2);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["package.zip"]);
    });
  }
  await Deno.remove(dir, { recursive: true });
});
