import assert from "node:assert/strict";
import { hashPassword, randomSecret, verifyPassword } from "./passwords.ts";

Deno.test("hashPassword salts each hash and verifyPassword accepts only the right password", async () => {
  const a = await hashPassword("correct horse");
  const b = await hashPassword("correct horse");
  assert.notEqual(a, b, "two hashes of one password differ (salt)");
  assert.match(a, /^pbkdf2-sha256\$210000\$/);
  assert.ok(!a.includes("correct horse"));
  assert.equal(await verifyPassword("correct horse", a), true);
  assert.equal(await verifyPassword("correct horse!", a), false);
  assert.equal(await verifyPassword("correct horse", "garbage"), false);
});

Deno.test("randomSecret gives distinct URL-safe strings that never start like an option", () => {
  const a = randomSecret(32);
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, randomSecret(32));
  for (let i = 0; i < 2000; i++) assert.match(randomSecret(6), /^[A-Za-z0-9][A-Za-z0-9_-]{7}$/);
});
