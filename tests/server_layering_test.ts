/**
 * The server's import graph, as `deno info --json server/main.ts` reports it
 * (starts one `deno info` process): no module imports itself through others,
 * no product module depends on `tests/`, and routes, middleware and sockets reach the
 * database through services, never through `server/db/` (the `Db` type aside).
 */
import assert from "node:assert/strict";
import { importGraph } from "./helpers/import_graph.ts";

/** Every cycle found by a depth-first walk, each as the path that closes it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

const graph = await importGraph("server/main.ts");

Deno.test("server modules import each other without a cycle", () => {
  assert.ok(graph.has("server/app.ts"), "the graph reaches server/app.ts");
  assert.deepEqual(findCycles(graph).map((cycle) => cycle.join(" -> ")), []);
});

Deno.test("no module the server runs lives under tests/", () => {
  assert.deepEqual([...graph.keys()].filter((path) => path.startsWith("tests/")), []);
});

Deno.test("routes, middleware and sockets import no database module but the Db type", () => {
  const reachesPast = [...graph].flatMap(([from, to]) =>
    /^server\/(routes|ws|middleware)\//.test(from)
      ? to.filter((path) => path.startsWith("server/db/") && path !== "server/db/db.ts")
        .map((path) => `${from} -> ${path}`)
      : []
  );
  assert.deepEqual(reachesPast, []);
});

Deno.test("findCycles names a cycle and passes a tree", () => {
  const cyclic = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  assert.deepEqual(findCycles(cyclic), [["a", "b", "c", "a"]]);
  assert.deepEqual(findCycles(new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]])), []);
});
