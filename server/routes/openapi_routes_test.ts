import assert from "node:assert/strict";
import { makeTestApp } from "../../tests/helpers/test_app.ts";
import { CONTENT_SECURITY_POLICY } from "./web_routes.ts";

Deno.test("GET /api/openapi.json answers the document without signing in", async () => {
  await using h = await makeTestApp();
  const res = await h.app.request("/api/openapi.json");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  const doc = await res.json();
  assert.equal(doc.openapi, "3.1.0");
  const upload = doc.paths["/api/admin/agents/versions"].post;
  assert.deepEqual(upload["x-required-scopes"], ["versions:write"]);
  assert.deepEqual(upload.security, [{ bearerAuth: ["versions:write"] }, { sessionCookie: [] }]);
  assert.equal(
    upload.responses["403"].content["application/json"].examples.forbidden.value.error.message,
    'This API token lacks the scope "versions:write" needed for POST /api/admin/agents/versions',
  );
  assert.ok(doc.components.schemas.AgentVersionRecord, "protocol schemas are components");
});

Deno.test("GET /api/docs renders every operation under the strict CSP, loading nothing from elsewhere", async () => {
  await using h = await makeTestApp();
  const doc = await (await h.app.request("/api/openapi.json")).json();
  const res = await h.app.request("/api/docs");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  const html = await res.text();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item as object)) {
      assert.ok(
        html.includes(`${method.toUpperCase()}</span> <code>${path}</code>`),
        `${method} ${path}`,
      );
    }
  }
  assert.doesNotMatch(
    html,
    /<script|style=|(src|href)="(https?:)?\/\//i,
    "no script, no inline style, nothing external",
  );
  const css = await h.app.request("/api/docs.css");
  assert.equal(css.status, 200);
  assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
});
