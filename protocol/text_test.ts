import assert from "node:assert/strict";
import { findJsonProblem, jsonDepth, MAX_JSON_DEPTH, textProblem } from "./text.ts";

Deno.test("textProblem names NULs and lone surrogates and accepts everything else", async (t) => {
  const table: [string, string, boolean][] = [
    ["plain", "hello", true],
    ["emoji pair", "ok 😀", true],
    ["NUL", "a\u0000b", false],
    ["lone high surrogate", "a\ud800", false],
    ["lone low surrogate", "\udc00b", false],
    ["replacement character", "\ufffd", true],
  ];
  for (const [name, text, ok] of table) {
    await t.step(name, () => assert.equal(textProblem(text) === null, ok));
  }
});

Deno.test("jsonDepth counts brackets outside strings only", () => {
  assert.equal(jsonDepth('{"a":[1,{"b":2}]}'), 3);
  assert.equal(jsonDepth('{"a":"[[[{{{\\"[["}'), 1);
  assert.equal(jsonDepth("1"), 0);
  assert.equal(jsonDepth("[".repeat(5000), MAX_JSON_DEPTH), MAX_JSON_DEPTH + 1);
});

Deno.test("findJsonProblem reports the path of a bad key or value", () => {
  assert.equal(findJsonProblem({ a: { b: ["ok", "x\u0000"] } })?.path, "a.b.1");
  assert.equal(findJsonProblem({ a: { "\ud800": 1 } })?.kind, "text");
  assert.equal(findJsonProblem({ a: [1, "two", { three: null }] }), null);
});
