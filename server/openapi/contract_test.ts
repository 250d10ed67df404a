/**
 * The contract between the app and its OpenAPI document: every route the Hono
 * app serves is documented and every documented operation is served; every
 * example validates against the schema it illustrates; the document passes an
 * OpenAPI 3.1 validator (@readme/openapi-parser). Builds the real app
 * (tests/helpers/test_app.ts, PGlite in memory) to read its routes.
 */
import assert from "node:assert/strict";
import { validate } from "@readme/openapi-parser";
import type { z } from "zod";
import { API_ERROR_CODES, ApiErrorBody } from "../../protocol/mod.ts";
import { openApiDocument } from "../routes/openapi_routes.ts";
import { ROUTE_SCOPES } from "../middleware/route_scopes.ts";
import { makeTestApp } from "../../tests/helpers/test_app.ts";
import { ALL_OPERATIONS } from "./all_operations.ts";
import { ANY_ROUTE_ERRORS, errorsOf, toOpenApiPath } from "./document.ts";

/** Routes that are not the API: the admin page's files and redirects (docs/admin-page.md). */
const NOT_API = new Set(["GET /", "GET /admin", "GET /admin/*"]);

let served: Promise<Set<string>> | null = null;

/** The app's routes, read once per run (building the app takes a while under load). */
function servedRoutes(): Promise<Set<string>> {
  served ??= readServedRoutes();
  return served;
}

async function readServedRoutes(): Promise<Set<string>> {
  await using h = await makeTestApp();
  const routes = new Set<string>();
  for (const route of h.app.routes) {
    if (route.method === "ALL" && route.path.endsWith("*")) continue; // middleware
    const key = `${route.method} ${route.path}`;
    if (NOT_API.has(key)) continue;
    routes.add(key);
    // Hono answers HEAD for every GET route.
    if (route.method === "GET") routes.add(`HEAD ${route.path}`);
  }
  return routes;
}

function documented(): Set<string> {
  return new Set(ALL_OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path}`));
}

Deno.test({
  name: "every served route is in the OpenAPI document",
  async fn() {
    const docs = documented();
    const missing = [...await servedRoutes()].filter((r) => !r.startsWith("HEAD ") && !docs.has(r));
    assert.deepEqual(
      missing,
      [],
      "served but not documented: add them to server/openapi/operations*.ts",
    );
  },
});

Deno.test("every documented operation is served", async () => {
  const routes = await servedRoutes();
  const stale = [...documented()].filter((r) => !routes.has(r));
  assert.deepEqual(stale, [], "documented but not served");
  const paths = openApiDocument().paths;
  for (const op of ALL_OPERATIONS) {
    assert.ok(paths[toOpenApiPath(op.path)]?.[op.method], `${op.method} ${op.path} in the JSON`);
  }
});

Deno.test("the route scope table names only served admin routes", async () => {
  const routes = await servedRoutes();
  const stale = ROUTE_SCOPES.map((r) => `${r.method} ${r.path}`).filter((r) => !routes.has(r));
  assert.deepEqual(
    stale,
    [],
    "server/middleware/route_scopes.ts names routes the app does not serve",
  );
});

function check(schema: z.ZodType, value: unknown, where: string) {
  const result = schema.safeParse(value);
  assert.ok(result.success, `${where}: ${result.success ? "" : result.error.message}`);
}

Deno.test("every documented example validates against its schema", async (t) => {
  for (const op of ALL_OPERATIONS) {
    await t.step(`${op.method.toUpperCase()} ${op.path}`, () => {
      const where = `${op.method.toUpperCase()} ${op.path}`;
      if (op.body) check(op.body.exampleSchema ?? op.body.schema, op.body.example, `${where} body`);
      if (op.query) {
        assert.ok(op.queryExample, `${where}: a query example`);
        check(op.query, op.queryExample, `${where} query`);
      }
      for (const name of op.path.match(/:\w+/g) ?? []) {
        assert.ok(op.params?.[name.slice(1)], `${where}: path parameter ${name} is described`);
      }
      for (const h of op.headers ?? []) check(h.schema, h.example, `${where} header ${h.name}`);
      for (const [status, reply] of Object.entries(op.replies)) {
        if (reply.schema) {
          assert.notEqual(reply.example, undefined, `${where} ${status}: an example`);
          check(reply.schema, reply.example, `${where} ${status}`);
        }
        for (const h of reply.headers ?? []) {
          check(h.schema, h.example, `${where} ${status} ${h.name}`);
        }
      }
      for (const [status, code, message] of errorsOf(op)) {
        assert.ok((API_ERROR_CODES as readonly string[]).includes(code), `${where}: code ${code}`);
        assert.ok(status >= 400 && status < 600);
        check(ApiErrorBody, { error: { code, message } }, `${where} ${status} ${code}`);
      }
    });
  }
});

Deno.test("every error code the server has is documented", () => {
  const documentedCodes = new Set([
    ...ANY_ROUTE_ERRORS.map(([, code]) => code),
    ...ALL_OPERATIONS.flatMap((op) => errorsOf(op).map(([, code]) => code)),
  ]);
  const missing = API_ERROR_CODES.filter((code) => !documentedCodes.has(code));
  assert.deepEqual(missing, [], "codes in protocol/error_types.ts that no operation documents");
  for (const [status, code, message] of ANY_ROUTE_ERRORS) {
    assert.ok(status >= 400);
    check(ApiErrorBody, { error: { code, message } }, `any route ${code}`);
  }
});

Deno.test("what the server answers matches the documented reply schemas", async (t) => {
  await using h = await makeTestApp();
  const agent = await h.registerAgent("contract-pc", "1.0.0");
  await h.app.request("/api/agent/report-error", {
    method: "POST",
    headers: { "content-type": "application/json", ...agent.headers },
    body: JSON.stringify({
      error_type: "UpdateDownloadFailed",
      message: "x",
      timestamp: "t",
      agent_version: "1.0.0",
    }),
  });
  // Every GET that needs no path parameter, called as the admin.
  const gets = ALL_OPERATIONS.filter((op) =>
    op.method === "get" && !op.params && op.replies[200]?.schema
  );
  for (const op of gets) {
    await t.step(op.path, async () => {
      const res = await h.app.request(op.path, {
        headers: op.auth === "admin" ? h.adminHeaders : agent.headers,
      });
      const reply = op.replies[res.status];
      assert.ok(reply, `${op.path} answered ${res.status}, which is not documented`);
      if (!reply.schema) return;
      const body = (reply.contentType ?? "application/json") === "application/json"
        ? await res.json()
        : await res.text();
      check(reply.schema, body, `${op.path} ${res.status}`);
    });
  }
});

Deno.test("the OpenAPI document is valid OpenAPI 3.1 (@readme/openapi-parser)", async () => {
  const doc = structuredClone(openApiDocument());
  assert.equal(doc.openapi, "3.1.0");
  const result = await validate(doc as never);
  assert.ok(result.valid, JSON.stringify(result, null, 2).slice(0, 4000));
});
