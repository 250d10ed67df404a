import assert from "node:assert/strict";
import { isExcludedPath, isSafeEntryPath } from "./paths.ts";

Deno.test("isSafeEntryPath accepts plain relative paths only", () => {
  const table: [string, boolean][] = [
    ["agent.exe", true],
    ["lib/agent.js", true],
    ["", false],
    ["../evil", false],
    ["lib/../../evil", false],
    ["./agent", false],
    ["/etc/passwd", false],
    ["C:/Windows/evil.dll", false],
    ["lib\\evil", false],
    ["nul\0byte", false],
  ];
  for (const [path, safe] of table) assert.equal(isSafeEntryPath(path), safe, path);
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
