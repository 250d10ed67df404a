import assert from "node:assert/strict";
import type { ApiScope } from "../../protocol/mod.ts";
import { requiredScopes, scopesAllow } from "./route_scopes.ts";

Deno.test("requiredScopes reads the table and defaults to admin", () => {
  const cases: [string, string, ApiScope[]][] = [
    ["GET", "/api/admin/computers", ["fleet:read"]],
    ["HEAD", "/api/admin/computers/abc", ["fleet:read"]],
    ["POST", "/api/admin/agents/versions", ["versions:write"]],
    ["POST", "/api/admin/agents/versions/", ["versions:write"]],
    ["PUT", "/api/admin/agents/versions/123", ["versions:write"]],
    ["POST", "/api/admin/computers/a/errors/b/resolve", ["fleet:write"]],
    ["POST", "/api/admin/rollouts/r1/advance", ["versions:write"]],
    ["GET", "/api/admin/enrollment-token", ["admin"]],
    ["POST", "/api/admin/some-route-added-later", ["admin"]],
    ["GET", "/api/admin/computers//errors", ["admin"]],
  ];
  for (const [method, path, scopes] of cases) {
    assert.deepEqual(requiredScopes(method, path), scopes, `${method} ${path}`);
  }
});

Deno.test("scopesAllow lets admin do all and fleet:write read the fleet", () => {
  const cases: [ApiScope[], ApiScope[], boolean][] = [
    [["admin"], ["versions:write"], true],
    [["admin"], ["admin"], true],
    [["fleet:write"], ["fleet:read"], true],
    [["fleet:read"], ["fleet:write"], false],
    [["versions:write"], ["fleet:read", "versions:write"], true],
    [["versions:write"], ["fleet:read"], false],
    [["fleet:read", "fleet:write", "versions:write"], ["admin"], false],
  ];
  for (const [held, needed, allowed] of cases) {
    assert.equal(scopesAllow(held, needed), allowed, `${held} for ${needed}`);
  }
});
