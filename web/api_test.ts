import assert from "node:assert/strict";
import { toApiError } from "./api.ts";

Deno.test("toApiError carries the server's code and message", () => {
  const body = JSON.stringify({
    error: { code: "conflict", message: 'Version "1.2.0" already exists' },
  });
  const error = toApiError(409, "Conflict", body);
  assert.equal(error.status, 409);
  assert.equal(error.code, "conflict");
  assert.equal(error.message, 'Version "1.2.0" already exists');
});

Deno.test("toApiError falls back to the status line when the body is not the server's", () => {
  assert.equal(toApiError(502, "Bad Gateway", "<html>").message, "Bad Gateway (HTTP 502)");
  assert.equal(toApiError(413, "", "").message, "Payload too large (HTTP 413)");
  assert.equal(toApiError(413, "", "").code, "http_413");
});
