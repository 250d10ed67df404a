import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

Deno.test("loadConfig uses the documented defaults when the environment is empty", () => {
  const config = loadConfig({});
  assert.equal(config.port, 8000);
  assert.equal(config.databaseUrl, null);
  assert.match(config.dataDir, /\/data$/);
  assert.equal(config.adminUsername, "admin");
  assert.equal(config.adminPassword, null);
  assert.equal(config.packageMaxBytes, 1024 ** 3);
});

Deno.test("loadConfig names the variable when a value is bad", async (t) => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ PORT: "abc" }, "PORT", /whole number, got "abc"/],
    [{ PORT: "70000" }, "PORT", /between 0 and 65535/],
    [{ DATABASE_URL: "not a url" }, "DATABASE_URL", /not a URL/],
    [{ DATABASE_URL: "mysql://x@y/z" }, "DATABASE_URL", /postgres:\/\//],
    [{ JWT_SECRET: "short" }, "JWT_SECRET", /at least 32/],
    [{ PACKAGE_MAX_BYTES: "-1" }, "PACKAGE_MAX_BYTES", /whole number/],
    [{ TRUSTED_KEYS: "hangar-ed25519:abc" }, "TRUSTED_KEYS", /base64 of 32 bytes/],
    [{ ENROLLMENT_TOKEN: "a" }, "ENROLLMENT_TOKEN", /too weak: 1 characters, at least 16/],
    [{ ENROLLMENT_TOKEN: "abababababababab" }, "ENROLLMENT_TOKEN", /fewer than 5 distinct/],
    [{ ADMIN_PASSWORD: "x" }, "ADMIN_PASSWORD", /too weak: 1 characters, at least 12/],
    [{ ADMIN_PASSWORD: "123412341234" }, "ADMIN_PASSWORD", /fewer than 5 distinct/],
  ];
  for (const [env, variable, message] of cases) {
    await t.step(`${variable}=${Object.values(env)[0]}`, () => {
      assert.throws(() => loadConfig(env), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.variable, variable);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

Deno.test("loadConfig reads TRUSTED_KEYS as a comma-separated list of public keys", () => {
  const key = `hangar-ed25519:${btoa("k".repeat(32))}`;
  assert.equal(loadConfig({}).trustedKeys, null);
  assert.equal(loadConfig({ TRUSTED_KEYS: " " }).trustedKeys, null);
  assert.equal(loadConfig({ TRUSTED_KEYS: ` ${key} ,, ${key}` }).trustedKeys, `${key},${key}`);
});

Deno.test("loadConfig accepts strong ENROLLMENT_TOKEN and ADMIN_PASSWORD values", () => {
  const config = loadConfig({
    ENROLLMENT_TOKEN: "try-hangar-token",
    ADMIN_PASSWORD: "change-me-please",
  });
  assert.equal(config.enrollmentToken, "try-hangar-token");
  assert.equal(config.adminPassword, "change-me-please");
});
