/**
 * Who may import whom (README, "Where things are"), read from the module graph
 * Deno itself builds: the agent reaches the updater only through
 * `updater/mod.ts`, and neither program pulls in the server, the web page,
 * the tools or the tests.
 */
import assert from "node:assert/strict";
import { importGraph } from "./helpers/import_graph.ts";

const top = (path: string) => path.split("/")[0];

Deno.test("the agent reaches the updater only through updater/mod.ts", async () => {
  const graph = await importGraph("agent/main.ts");
  assert.ok(graph.size > 50, `the graph of agent/main.ts looks empty: ${graph.size} modules`);
  const intoUpdater = [...graph].flatMap(([from, imports]) =>
    top(from) === "updater" ? [] : imports.filter((to) => top(to) === "updater").map((to) => ({
      from,
      to,
    }))
  );
  assert.ok(intoUpdater.length > 0, "the agent no longer recovers through the updater's entry");
  assert.deepEqual(
    intoUpdater.filter((e) => e.to !== "updater/mod.ts"),
    [],
    "agent code imports updater internals; export what it needs from updater/mod.ts",
  );
});

for (const entry of ["agent/main.ts", "updater/main.ts"]) {
  Deno.test(`${entry} pulls in no server, web, tools or tests code`, async () => {
    const modules = [...(await importGraph(entry)).keys()];
    assert.ok(modules.length > 20, `the graph of ${entry} looks empty: ${modules.length} modules`);
    const foreign = modules.filter((f) => ["server", "web", "tools", "tests"].includes(top(f)));
    assert.deepEqual(foreign, []);
  });
}
