import assert from "node:assert/strict";
import { matchPath } from "./router.tsx";

Deno.test("matchPath reads params from client routes", async (t) => {
  const cases: [string, string, Record<string, string> | null][] = [
    ["/admin/computers/:id", "/admin/computers/7f3a", { id: "7f3a" }],
    ["/admin/computers/:id", "/admin/computers/a%20b/", { id: "a b" }],
    ["/admin/computers/:id", "/admin/computers", null],
    ["/admin/computers/:id", "/admin/agent-versions/1", null],
    ["/admin/computers", "/admin/computers/x", null],
  ];
  for (const [pattern, path, params] of cases) {
    await t.step(`${pattern} on ${path}`, () => assert.deepEqual(matchPath(pattern, path), params));
  }
});
