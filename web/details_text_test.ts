import assert from "node:assert/strict";
import { detailsText, SHOWN_CHARS, SHOWN_DEPTH } from "./details_text.ts";

Deno.test("detailsText shows ordinary details as indented JSON", () => {
  assert.equal(detailsText({ a: 1, b: ["x"] }), '{\n  "a": 1,\n  "b": [\n    "x"\n  ]\n}');
});

Deno.test("detailsText cuts nesting 5,000 deep instead of throwing", () => {
  let deep: unknown = "bottom";
  for (let i = 0; i < 5_000; i++) deep = { a: deep };
  const text = detailsText(deep);
  assert.ok(text.includes("{…}"));
  assert.ok(!text.includes("bottom"));
  assert.equal(text.split("\n").length, 2 * SHOWN_DEPTH + 1);
});

Deno.test("detailsText cuts long text and survives values JSON cannot show", () => {
  assert.ok(detailsText({ s: "x".repeat(50_000) }).length < SHOWN_CHARS + 20);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.ok(detailsText({ n: 10n }).includes("cannot be shown"));
  assert.ok(detailsText(cyclic).includes("{…}"));
});
