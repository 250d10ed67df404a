/**
 * Who may import whom (README, "Where things are"), read from the module graph
 * Deno itself builds: the agent reaches the updater only through
 * `updater/mod.ts`, and neither program pulls in the server, the web page,
 * the tools or the tests.
 */
import assert from "node:assert/strict";
import { relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const ROOT = fromFileUrl(new URL("..", import.meta.url));

interface Edge {
  from: string;
  to: string;
}

/** Every import between the project's own files reachable from `entry` (paths relative to the root). */
async function importsOf(entry: string): Promise<Edge[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
    }[];
  };
  const local = (specifier: string | undefined) =>
    specifier?.startsWith("file:") ? relative(ROOT, fromFileUrl(specifier)) : null;
  const edges: Edge[] = [];
  for (const module of graph.modules) {
    const from = local(module.specifier);
    if (from === null) continue;
    for (const dependency of module.dependencies ?? []) {
      for (const target of [dependency.code?.specifier, dependency.type?.specifier]) {
        const to = local(target);
        if (to !== null) edges.push({ from, to });
      }
    }
  }
  assert.ok(edges.length > 50, `the graph of ${entry} looks empty: ${edges.length} imports`);
  return edges;
}

const top = (path: string) => path.split("/")[0];

Deno.test("the agent reaches the updater only through updater/mod.ts", async () => {
  const edges = await importsOf("agent/main.ts");
  const intoUpdater = edges.filter((e) => top(e.to) === "updater" && top(e.from) !== "updater");
  assert.ok(intoUpdater.length > 0, "the agent no longer recovers through the updater's entry");
  assert.deepEqual(
    intoUpdater.filter((e) => e.to !== "updater/mod.ts"),
    [],
    "agent code imports updater internals; export what it needs from updater/mod.ts",
  );
});

for (const entry of ["agent/main.ts", "updater/main.ts"]) {
  Deno.test(`${entry} pulls in no server, web, tools or tests code`, async () => {
    const files = new Set((await importsOf(entry)).flatMap((e) => [e.from, e.to]));
    const foreign = [...files].filter((f) => ["server", "web", "tools", "tests"].includes(top(f)));
    assert.deepEqual(foreign, []);
  });
}
