/**
 * Starts two real server processes (`deno run server/main.ts`) on one fresh
 * Postgres database and one DATA_DIR: an agent connected to the second hears a
 * version marked stable on the first (LISTEN/NOTIFY), and downloads it from
 * either. Needs DATABASE_URL; ignored without it.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { NEW_VERSION_AVAILABLE } from "../protocol/mod.ts";
import { openSocket } from "../server/ws/_ws_fixtures.ts";
import { makePackage } from "./helpers/make_package.ts";
import { createTestDatabase, NO_POSTGRES } from "./helpers/postgres.ts";
import {
  listComputers,
  markStable,
  registerAgent,
  startServer,
  uploadPackage,
  waitFor,
} from "./helpers/server_process.ts";

Deno.test({
  name: "a version marked stable on one server process reaches an agent on another",
  ignore: NO_POSTGRES,
  async fn() {
    const database = await createTestDatabase();
    const dataDir = await Deno.makeTempDir({ prefix: "hangar-shared-" });
    const env = { DATABASE_URL: database.url };
    const first = await startServer({ env, dataDir });
    const second = await startServer({ env, dataDir }).catch(async (error) => {
      await first.stop();
      throw error;
    });
    try {
      const agent = await registerAgent(first, "pc-on-second");
      const headers = { "agent-id": agent.agent_id, "agent-token": agent.agent_token };
      const socket = await openSocket(`${second.url}/api/agent/ws`, headers);

      // The first process shows the agent online although it is connected to the second.
      await waitFor("online on the first process", async () => {
        const pc = (await listComputers(first)).find((c) => c.agent_id === agent.agent_id);
        return pc?.online ? pc : undefined;
      });

      const zip = join(dataDir, "upload.zip");
      const made = await makePackage({
        version: "1.5.0",
        files: { agent: "#!/bin/sh\n", updater: "#!/bin/sh\n" },
      }, zip);
      const record = await uploadPackage(first, zip, "1.5.0", "shared");
      assert.equal(record.checksum_sha256, made.sha256);
      await markStable(first, record.id);

      const message = await socket.next(NEW_VERSION_AVAILABLE, 10_000);
      assert.deepEqual(message.payload, { new_stable_version: "1.5.0" });

      for (const server of [first, second]) {
        const check = await fetch(`${server.url}/api/agent/check_update?current_version=1.0.0`, {
          headers,
        });
        const info = await check.json();
        assert.equal(info.version, "1.5.0", server.url);
        const pkg = await fetch(`${server.url}${info.download_url}`, { headers });
        assert.equal(pkg.status, 200);
        const sha = createHash("sha256").update(new Uint8Array(await pkg.arrayBuffer()));
        assert.equal(sha.digest("hex"), made.sha256);
      }
      await socket.close();
      await waitFor("offline on the first process", async () => {
        const pc = (await listComputers(first)).find((c) => c.agent_id === agent.agent_id);
        return pc && !pc.online ? pc : undefined;
      });
    } finally {
      await second.stop();
      await first.stop();
      await Deno.remove(dataDir, { recursive: true });
      await database.drop();
    }
  },
});
