import assert from "node:assert/strict";
import { makeTestApp, TEST_ADAPTERS } from "../../tests/helpers/test_app.ts";
import type { AgentSocket } from "./agent_hub.ts";
import type { HangarEvent } from "./notifier.ts";

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name: `presence of many agents connecting at once goes out in a few announcements (${label})`,
    ignore,
    async fn() {
      await using h = await makeTestApp({ adapter });
      const { hub, notifier } = h.deps;
      const heard: Extract<HangarEvent, { type: "presence" }>[] = [];
      const unsubscribe = notifier.subscribe((event) => {
        if (event.type === "presence" && event.instance === hub.instance) heard.push(event);
      });
      try {
        const ids = Array.from({ length: 200 }, () => crypto.randomUUID());
        const sockets = ids.map((): AgentSocket => ({ send() {}, close() {} }));
        ids.forEach((id, i) => hub.add(id, sockets[i]));
        const deadline = Date.now() + 10_000;
        const announced = (key: "online" | "offline") =>
          new Set(heard.flatMap((event) => event[key]));
        while (announced("online").size < ids.length && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual([...announced("online")].sort(), [...ids].sort());
        // 200 ids, 150 to a message: two announcements, not 200.
        assert.equal(heard.length, 2);
        // One goes offline and another connects and leaves again: the last state is announced.
        heard.length = 0;
        hub.remove(ids[0], sockets[0]);
        const late = crypto.randomUUID();
        const lateSocket: AgentSocket = { send() {}, close() {} };
        hub.add(late, lateSocket);
        hub.remove(late, lateSocket);
        while (heard.length === 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(heard.length, 1);
        assert.deepEqual(heard[0].online, []);
        assert.deepEqual(heard[0].offline.sort(), [ids[0], late].sort());
        ids.slice(1).forEach((id, i) => hub.remove(id, sockets[i + 1]));
      } finally {
        unsubscribe();
      }
    },
  });
}
