import assert from "node:assert/strict";
import { pointNames } from "./fault.ts";

Deno.test("pointNames lets a fault point be named by number, by name or in full", () => {
  assert.deepEqual(pointNames("3-backup"), ["3", "backup", "3-backup"]);
  assert.deepEqual(pointNames("4-swap.mid"), ["4.mid", "swap.mid", "4-swap.mid"]);
  assert.deepEqual(pointNames("rollback"), ["rollback"]);
  assert.deepEqual(pointNames("rollback.mid"), ["rollback.mid"]);
});
