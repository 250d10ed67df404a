/**
 * `GET /api/openapi.json` (the OpenAPI 3.1 document) and `GET /api/docs` (it,
 * rendered readably, with `/api/docs.css`). Built once, on first request.
 */
import { Hono } from "hono";
import { VERSION } from "../../agent/version.ts";
import type { AppEnv } from "../env.ts";
import { buildOpenApiDocument, type OpenApiDocument } from "../openapi/document.ts";
import { DOCS_CSS, renderDocsPage } from "../openapi/docs_page.ts";
import { ALL_OPERATIONS } from "../openapi/all_operations.ts";
import { CONTENT_SECURITY_POLICY } from "./web_routes.ts";

let built: { doc: OpenApiDocument; json: string; html: string } | null = null;

/** The document for this build (cached: it depends only on the code). */
export function openApiDocument(): OpenApiDocument {
  return build().doc;
}

function build() {
  if (!built) {
    const doc = buildOpenApiDocument(ALL_OPERATIONS, { version: VERSION });
    built = { doc, json: JSON.stringify(doc), html: renderDocsPage(doc) };
  }
  return built;
}

export function openApiRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/openapi.json", (c) => {
    c.header("Content-Type", "application/json; charset=utf-8");
    c.header("Cache-Control", "no-cache");
    return c.body(build().json);
  });
  app.get("/docs", (c) => {
    c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Cache-Control", "no-cache");
    return c.html(build().html);
  });
  app.get("/docs.css", (c) => {
    c.header("Content-Type", "text/css; charset=utf-8");
    c.header("Cache-Control", "no-cache");
    return c.body(DOCS_CSS);
  });
  return app;
}
