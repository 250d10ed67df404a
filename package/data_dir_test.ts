import assert from "node:assert/strict";
import { join } from "node:path";
import { DataDirError, dataDirOf, dataDirPointer } from "./data_dir.ts";
import { DATA_DIR_POINTER, DATA_NAMES, isExcludedPath } from "./layout.ts";
import { agentPaths } from "../agent/paths.ts";

Deno.test("without a pointer the data lives in the install folder (portable, development)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(dataDirOf(dir), dir);
    const paths = agentPaths(dir);
    assert.equal(paths.dataDir, dir);
    assert.equal(paths.lock, join(dir, "agent.lock"));
    assert.equal(paths.logDir, join(dir, "logs"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a pointer moves every data name to the data folder; the program's stay", async () => {
  const install = await Deno.makeTempDir();
  const data = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(install, DATA_DIR_POINTER), dataDirPointer(data));
    assert.equal(dataDirOf(install), data);
    const paths = agentPaths(install);
    assert.equal(paths.installDir, install);
    assert.equal(paths.dataDir, data);
    for (
      const path of [
        paths.logDir,
        paths.outbox,
        paths.lock,
        paths.health,
        paths.updateResult,
        paths.failedUpdate,
        paths.updateStatusOutbox,
        paths.updateStatusAttempt,
      ]
    ) {
      assert.ok(path.startsWith(data + "/"), path);
      const top = path.slice(data.length + 1).split("/")[0];
      assert.ok(DATA_NAMES.includes(top), `${top} is a data name`);
    }
    // Downloads and the updater's area are program files in transit.
    assert.equal(paths.updateDir, join(install, "_update"));
  } finally {
    await Deno.remove(install, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("an unreadable or relative pointer is a DataDirError naming the file", async () => {
  const install = await Deno.makeTempDir();
  try {
    for (const content of ["{not json", '{"data_dir": "relative/data"}', "{}", "null"]) {
      await Deno.writeTextFile(join(install, DATA_DIR_POINTER), content);
      assert.throws(
        () => dataDirOf(install),
        (e) => e instanceof DataDirError && e.message.includes(DATA_DIR_POINTER),
        content,
      );
    }
  } finally {
    await Deno.remove(install, { recursive: true });
  }
});

Deno.test("a package can carry neither the pointer nor a data name", () => {
  assert.ok(isExcludedPath(DATA_DIR_POINTER));
  for (const name of DATA_NAMES) assert.ok(isExcludedPath(`${name}/x`) || isExcludedPath(name));
});
