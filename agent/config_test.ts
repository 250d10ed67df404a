import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, ConfigFile, configPath } from "./config.ts";

const BASE = {
  server_url: "http://127.0.0.1:8000",
  agent_id: "agent-1",
  agent_token: "secret",
  current_version: "1.0.0",
  check_interval_s: 3600,
};

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "agent-config-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ConfigFile.load fills defaults and keeps unknown keys on save", async () => {
  await withDir(async (dir) => {
    await ConfigFile.create(dir, { ...BASE, custom_key: "kept" });
    const config = await ConfigFile.load(dir);
    assert.equal(config.get("ws_enabled"), true);
    assert.equal(config.get("min_free_space_factor"), 3);
    await config.set("current_version", "1.1.0");
    const saved = JSON.parse(await Deno.readTextFile(configPath(dir)));
    assert.equal(saved.current_version, "1.1.0");
    assert.equal(saved.custom_key, "kept");
    assert.equal((await ConfigFile.load(dir)).get("current_version"), "1.1.0");
  });
});

Deno.test("ConfigFile.load explains how to enroll when the file is missing or corrupt", async (t) => {
  const cases: [string, string | null, RegExp][] = [
    ["missing", null, /No config at .*config\.json/],
    ["not JSON", '{"server_url": "http://x", "agent_', /is not valid JSON/],
    ["no agent_token", JSON.stringify({ ...BASE, agent_token: undefined }), /agent_token/],
    ["bad URL", JSON.stringify({ ...BASE, server_url: "ftp://x" }), /server_url/],
  ];
  for (const [name, content, pattern] of cases) {
    await t.step(name, async () => {
      await withDir(async (dir) => {
        if (content !== null) {
          await Deno.mkdir(join(dir, "config"));
          await Deno.writeTextFile(configPath(dir), content);
        }
        const error = await ConfigFile.load(dir).catch((e) => e);
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, pattern);
        assert.match(error.message, /agent enroll --server URL --token TOKEN --install-dir /);
      });
    });
  }
});

Deno.test("ConfigFile.set leaves the old file when the new value is invalid", async () => {
  await withDir(async (dir) => {
    const config = await ConfigFile.create(dir, BASE);
    const before = await Deno.readTextFile(configPath(dir));
    await assert.rejects(() => config.set("check_interval_s", -5));
    assert.equal(await Deno.readTextFile(configPath(dir)), before);
    assert.equal(config.get("check_interval_s"), 3600);
  });
});

Deno.test("a write interrupted mid-way leaves the old config readable", async () => {
  await withDir(async (dir) => {
    await ConfigFile.create(dir, BASE);
    // What a crash during an atomic write leaves: a torn temp file beside the old config.
    const torn = JSON.stringify({ ...BASE, current_version: "9.9.9" }).slice(0, 40);
    await Deno.writeTextFile(join(dir, "config", ".config.json.0000.tmp"), torn);
    const config = await ConfigFile.load(dir);
    assert.equal(config.get("current_version"), "1.0.0");
    await config.set("current_version", "1.2.0");
    assert.equal((await ConfigFile.load(dir)).get("current_version"), "1.2.0");
  });
});

Deno.test({
  name: "the config holding the token is readable by its owner only (0600, folder 0700)",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withDir(async (dir) => {
      const config = await ConfigFile.create(dir, BASE);
      const mode = async (path: string) => (await Deno.stat(path)).mode! & 0o777;
      assert.equal(await mode(configPath(dir)), 0o600);
      assert.equal(await mode(join(dir, "config")), 0o700);
      await config.set("current_version", "1.1.0");
      assert.equal(await mode(configPath(dir)), 0o600, "a later save keeps it private");
    });
  },
});
