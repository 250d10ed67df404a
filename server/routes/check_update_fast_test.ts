/**
 * The check_update fast path (`checkUpdateFastPath`, run before the router by
 * `serveHandler`) must answer exactly as the route does, and leave every other
 * request to the route: each request here is sent both ways and compared.
 */
import assert from "node:assert/strict";
import { serveHandler } from "../app.ts";
import type { Logger } from "../log.ts";
import { makeTestApp, TEST_ADAPTERS, type TestApp } from "../../tests/helpers/test_app.ts";
import { setStable, uploadVersion } from "../../tests/helpers/package_fixtures.ts";
import { checkUpdateFastPath } from "./agent_routes.ts";

const BASE = "http://hangar.test";

interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
}

async function answer(res: Response): Promise<Answer> {
  return { status: res.status, headers: [...res.headers], body: await res.text() };
}

/** The route's answer (through the router) and the fast path's (undefined: left to the route). */
async function both(t: TestApp, path: string, init: RequestInit = {}) {
  const fast = checkUpdateFastPath({
    agentAuth: t.deps.agentAuth,
    offers: t.deps.offers,
    log: null,
  })(
    new Request(BASE + path, init),
  );
  const route = await answer(await t.app.fetch(new Request(BASE + path, init)));
  return { route, fast: fast === undefined ? undefined : await answer(fast) };
}

for (const { adapter, ignore, label } of TEST_ADAPTERS) {
  Deno.test({
    name:
      `check_update's fast path answers as the route does, or leaves it to the route (${label})`,
    ignore,
    async fn(t) {
      await using app = await makeTestApp({ adapter });
      const agent = await app.registerAgent("fast-pc", "1.0.0");
      const headers = { ...agent.headers, "x-agent-version": "1.0.0" };
      const v110 = await uploadVersion(app, "1.1.0");
      await (await setStable(app, v110.id, true)).body?.cancel();
      // The route accepts a current_version once; the fast path only takes accepted ones.
      for (const v of ["1.0.0", "1.1.0"]) {
        await both(app, `/api/agent/check_update?current_version=${v}`, { headers });
      }

      await t.step("an offer, nothing to offer, no current_version: the same answers", async () => {
        for (
          const [path, status] of [
            ["/api/agent/check_update?current_version=1.0.0", 200],
            ["/api/agent/check_update?current_version=1.1.0", 204],
            ["/api/agent/check_update", 200],
          ] as const
        ) {
          const r = await both(app, path, { headers });
          assert.equal(r.route.status, status, path);
          assert.ok(r.fast, `the fast path answered ${path}`);
          assert.deepEqual(r.fast, r.route, path);
        }
        const offer = JSON.parse(
          (await both(app, "/api/agent/check_update?current_version=1.0.0", { headers })).route
            .body,
        );
        assert.equal(offer.version, "1.1.0");
        assert.equal(offer.checksum_sha256, v110.checksum_sha256);
      });

      await t.step("the X-Agent-* spelling of the headers", async () => {
        const r = await both(app, "/api/agent/check_update?current_version=1.0.0", {
          headers: { "x-agent-id": agent.agent_id, "x-agent-token": agent.agent_token },
        });
        assert.ok(r.fast);
        assert.deepEqual(r.fast, r.route);
      });

      await t.step("a computer's paused updates and its download limit", async () => {
        const patch = (body: unknown) =>
          app.app.request(`/api/admin/computers/${agent.computerId}`, {
            method: "PATCH",
            headers: { ...app.adminHeaders, "content-type": "application/json" },
            body: JSON.stringify(body),
          });
        await (await patch({ updates_paused: true })).body?.cancel();
        let r = await both(app, "/api/agent/check_update?current_version=1.0.0", { headers });
        assert.equal(r.route.status, 204);
        // Right after a change the policy may have to be read again: then the route answers.
        if (r.fast) assert.deepEqual(r.fast, r.route);
        r = await both(app, "/api/agent/check_update?current_version=1.0.0", { headers });
        assert.ok(r.fast);
        assert.deepEqual(r.fast, r.route);
        await (await patch({ updates_paused: false, download_limit_kbps: 512 })).body?.cancel();
        await both(app, "/api/agent/check_update?current_version=1.0.0", { headers });
        r = await both(app, "/api/agent/check_update?current_version=1.0.0", { headers });
        assert.equal(JSON.parse(r.route.body).download_limit_kbps, 512);
        assert.ok(r.fast);
        assert.deepEqual(r.fast, r.route);
      });

      await t.step("anything else is left to the route, which refuses or writes", async () => {
        const cases: [string, string, RequestInit, number][] = [
          ["unknown agent", "?current_version=1.0.0", {
            headers: { "agent-id": crypto.randomUUID(), "agent-token": agent.agent_token },
          }, 401],
          ["wrong token", "?current_version=1.0.0", {
            headers: { ...headers, "agent-token": "x".repeat(agent.agent_token.length) },
          }, 401],
          ["no credentials", "?current_version=1.0.0", {}, 401],
          ["not a version", "?current_version=banana", { headers }, 400],
          // Accepted versions are remembered process-wide: one no other test sends.
          ["a version not seen before", `?current_version=0.9.0-${crypto.randomUUID()}`, {
            headers,
          }, 200],
          ["percent-encoding", "?current_version=1.0.0%2B1", { headers }, 200],
          ["another parameter", "?current_version=1.0.0&x=1", { headers }, 200],
          ["a new agent version to record", "?current_version=1.0.0", {
            headers: { ...headers, "x-agent-version": "1.0.1" },
          }, 200],
          ["headers over the limit", "?current_version=1.0.0", {
            headers: { ...headers, "x-padding": "p".repeat(17 * 1024) },
          }, 431],
          ["POST", "?current_version=1.0.0", { headers, method: "POST" }, 404],
          ["a trailing slash", "/?current_version=1.0.0", { headers }, 404],
        ];
        for (const [what, rest, init, status] of cases) {
          const r = await both(app, `/api/agent/check_update${rest}`, init);
          assert.equal(r.fast, undefined, `${what}: left to the route`);
          assert.equal(r.route.status, status, `${what}: ${r.route.body}`);
        }
      });

      await t.step(
        "served: the same answer over a socket, and the request line logged",
        async () => {
          const url = await app.serve();
          const res = await fetch(`${url}/api/agent/check_update?current_version=1.0.0`, {
            headers,
          });
          assert.equal(res.status, 200);
          assert.equal(JSON.parse(await res.text()).version, "1.1.0");

          const lines: Record<string, unknown>[] = [];
          const log: Logger = {
            info: (msg, fields) => lines.push({ msg, ...fields }),
            warn() {},
            error() {},
          };
          const handler = serveHandler(app.app, {
            ...app.deps,
            logger: log,
            config: { ...app.config, logRequests: true },
          });
          const info = {
            remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
            completed: Promise.resolve(),
          } as Deno.ServeHandlerInfo<Deno.NetAddr>;
          const served = await handler(
            new Request(`${BASE}/api/agent/check_update?current_version=1.0.0`, { headers }),
            info,
          );
          assert.equal(served.status, 200);
          await served.body?.cancel();
          assert.equal(lines.length, 1);
          assert.deepEqual({ ...lines[0], ms: 0 }, {
            msg: "request",
            method: "GET",
            path: "/api/agent/check_update",
            status: 200,
            ms: 0,
          });
        },
      );
    },
  });
}
