import assert from "node:assert/strict";
import { entryKey, entryPathProblem, isSafeEntryPath } from "./entry_path.ts";
import { isExcludedPath } from "./layout.ts";

Deno.test("isSafeEntryPath accepts plain relative paths only", () => {
  const table: [string, boolean][] = [
    ["agent.exe", true],
    ["lib/agent.js", true],
    ["only-in-1.1.0.txt", true],
    ["console.log", true],
    ["", false],
    ["../evil", false],
    ["lib/../../evil", false],
    ["./agent", false],
    ["/etc/passwd", false],
    ["C:/Windows/evil.dll", false],
    ["lib\\evil", false],
    ["nul\0byte", false],
    ["a/", false],
    ["a//b", false],
    ["con", false],
    ["AUX.txt", false],
    ["lib/com1.dll", false],
    ["LPT9", false],
    ["agent.", false],
    ["agent ", false],
    ["lib./agent.js", false],
    ["what?.txt", false],
    ["x".repeat(1025), false],
  ];
  for (const [path, safe] of table) assert.equal(isSafeEntryPath(path), safe, path.slice(0, 40));
});

Deno.test("entryPathProblem says what is wrong with a path", () => {
  assert.equal(entryPathProblem("a//b"), "has an empty segment");
  assert.equal(entryPathProblem("AUX.txt"), 'names the Windows device "AUX.txt"');
  assert.equal(entryPathProblem("lib/../x"), 'has a ".." segment');
  assert.equal(entryPathProblem("agent."), "has a segment ending in a dot or a space");
});

Deno.test("entryKey is one for names Windows stores as one file", () => {
  assert.equal(entryKey("AGENT"), entryKey("agent"));
  assert.equal(entryKey("Manifest.json"), entryKey("manifest.json"));
  assert.notEqual(entryKey("agent"), entryKey("agent2"));
});

Deno.test("isExcludedPath marks the agent's data and the update folders", () => {
  const table: [string, boolean][] = [
    ["config/config.json", true],
    ["Config/config.json", true],
    ["logs/agent.log", true],
    ["error_reports.jsonl", true],
    ["_backup_old/agent.exe", true],
    ["_update_journal.json.lock", true],
    ["agent.exe", false],
    ["lib/config/x.json", false],
  ];
  for (const [path, excluded] of table) assert.equal(isExcludedPath(path), excluded, path);
});
