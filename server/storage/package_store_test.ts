import assert from "node:assert/strict";
import { join } from "node:path";
import { PackageStore, STALE_TEMP_IDLE_MS } from "./package_store.ts";

async function tempFile(store: PackageStore, idleMs: number): Promise<string> {
  const temp = await store.createTemp();
  await temp.file.write(new Uint8Array(1024));
  temp.file.close();
  const at = new Date(Date.now() - idleMs);
  await Deno.utime(temp.path, at, at);
  return temp.path;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("PackageStore.init removes a killed upload's temp file at start, minutes later", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hangar-store-" });
  try {
    const first = new PackageStore(dir);
    await first.init();
    const killed = await tempFile(first, STALE_TEMP_IDLE_MS + 60_000); // killed 6 min ago
    const live = await tempFile(first, 1_000); // another instance is writing it
    await new PackageStore(dir).init();
    assert.equal(await exists(killed), false);
    assert.equal(await exists(live), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PackageStore.sweepTemp removes temp files once they go idle, and only those", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hangar-store-" });
  try {
    const store = new PackageStore(dir);
    await store.init();
    const path = await tempFile(store, 0);
    await Deno.writeFile(join(store.dir, "hangar-agent-1.0.0.zip"), new Uint8Array(1));
    assert.equal(await store.sweepTemp(), 0);
    assert.equal(await store.sweepTemp(Date.now() + STALE_TEMP_IDLE_MS + 1_000), 1);
    assert.equal(await exists(path), false);
    assert.equal(await exists(join(store.dir, "hangar-agent-1.0.0.zip")), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PackageStore.startSweeping sweeps on its interval until stopped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hangar-store-" });
  try {
    const store = new PackageStore(dir);
    await store.init();
    const path = await tempFile(store, STALE_TEMP_IDLE_MS + 1_000);
    const stop = store.startSweeping(20);
    try {
      const deadline = Date.now() + 10_000;
      while (await exists(path) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await exists(path), false);
    } finally {
      stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
