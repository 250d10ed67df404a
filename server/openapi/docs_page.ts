/**
 * The OpenAPI document as a readable page, rendered on the server from the
 * same document: plain HTML and one style sheet from this server, no script,
 * so the strict Content-Security-Policy holds and nothing loads from elsewhere.
 */
import type { OpenApiDocument } from "./document.ts";

type Json = Record<string, unknown>;

function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** `code` spans in the document's Markdown-ish text. */
function text(value: unknown): string {
  return esc(value ?? "").replace(/`([^`]+)`/g, "<code>$1</code>");
}

function pretty(value: unknown): string {
  return `<pre>${esc(JSON.stringify(value, null, 2))}</pre>`;
}

function anchor(method: string, path: string): string {
  return `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-").replace(/-$/, "");
}

function schemaBlock(schema: unknown, components: Json): string {
  const ref = (schema as Json | undefined)?.$ref;
  const items = ((schema as Json | undefined)?.items as Json | undefined)?.$ref;
  const name = String(ref ?? items ?? "").split("/").pop();
  if (name && components[name]) {
    const label = items
      ? `array of <a href="#schema-${esc(name)}">${esc(name)}</a>`
      : `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
    return `<p class="schema-name">Schema: ${label}</p>`;
  }
  return schema ? `<details><summary>Schema</summary>${pretty(schema)}</details>` : "";
}

function parametersTable(parameters: Json[]): string {
  if (!parameters.length) return "";
  const rows = parameters.map((p) =>
    `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${
      p.required ? "yes" : "no"
    }</td>` +
    `<td><code>${esc(JSON.stringify(p.schema))}</code></td><td>${text(p.description ?? "")}` +
    `${
      p.example === undefined
        ? ""
        : ` <span class="muted">e.g. <code>${esc(p.example)}</code></span>`
    }</td></tr>`
  ).join("");
  return `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>about</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function operationSection(method: string, path: string, op: Json, components: Json): string {
  const scopes = op["x-required-scopes"] as string[] | undefined;
  const auth = (op.security as Json[]).length === 0
    ? "none"
    : (op.security as Json[]).map((s) => Object.keys(s).join(" + ")).join(" or ");
  let html = `<section class="op" id="${anchor(method, path)}">`;
  html += `<h3><span class="method method-${esc(method)}">${
    esc(method.toUpperCase())
  }</span> <code>${esc(path)}</code></h3>`;
  html += `<p>${text(op.summary)}</p>`;
  if (op.description) html += `<p class="muted">${text(op.description)}</p>`;
  html += `<p class="auth">Auth: ${esc(auth)}${
    scopes ? ` · token scope: ${scopes.map((s) => `<code>${esc(s)}</code>`).join(" or ")}` : ""
  }</p>`;
  html += parametersTable((op.parameters as Json[] | undefined) ?? []);
  const body = op.requestBody as Json | undefined;
  if (body) {
    for (const [type, media] of Object.entries(body.content as Record<string, Json>)) {
      html += `<h4>Request body <code>${esc(type)}</code></h4>${
        schemaBlock(media.schema, components)
      }`;
      if (media.example !== undefined) html += pretty(media.example);
    }
  }
  html += `<h4>Responses</h4><dl class="responses">`;
  for (const [status, reply] of Object.entries(op.responses as Record<string, Json>)) {
    html += `<dt class="status status-${esc(status[0])}xx">${esc(status)}</dt><dd>${
      text(reply.description)
    }`;
    for (const [type, media] of Object.entries((reply.content ?? {}) as Record<string, Json>)) {
      html += ` <code>${esc(type)}</code>${schemaBlock(media.schema, components)}`;
      if (media.example !== undefined) html += pretty(media.example);
      for (const example of Object.values((media.examples ?? {}) as Record<string, Json>)) {
        html += pretty(example.value);
      }
    }
    if (reply.headers) {
      html += `<p class="muted">Headers: ${
        Object.keys(reply.headers as Json).map((h) => `<code>${esc(h)}</code>`).join(", ")
      }</p>`;
    }
    html += `</dd>`;
  }
  return `${html}</dl></section>`;
}

export function renderDocsPage(doc: OpenApiDocument): string {
  const info = doc.info as Json;
  const components = ((doc.components as Json).schemas ?? {}) as Json;
  const byTag = new Map<string, string[]>();
  const nav = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = ((op.tags as string[]) ?? ["Other"])[0];
      byTag.set(tag, [...byTag.get(tag) ?? [], operationSection(method, path, op, components)]);
      nav.set(tag, [
        ...nav.get(tag) ?? [],
        `<li><a href="#${anchor(method, path)}"><span class="method method-${esc(method)}">${
          esc(method.toUpperCase())
        }</span> ${esc(path)}</a></li>`,
      ]);
    }
  }
  const tags = (doc.tags as { name: string }[]).map((t) => t.name);
  const body = tags.map((tag) =>
    `<h2 id="tag-${anchor(tag, "")}">${esc(tag)}</h2>${(byTag.get(tag) ?? []).join("")}`
  ).join("");
  const navHtml = tags.map((tag) =>
    `<li><a href="#tag-${anchor(tag, "")}">${esc(tag)}</a><ul>${
      (nav.get(tag) ?? []).join("")
    }</ul></li>`
  ).join("");
  const schemas = Object.entries(components).map(([name, schema]) =>
    `<section class="op" id="schema-${esc(name)}"><h3>${esc(name)}</h3>${pretty(schema)}</section>`
  ).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} ${esc(info.version)}</title>
<link rel="stylesheet" href="/api/docs.css">
</head>
<body>
<nav class="toc" aria-label="Operations"><p><strong>${esc(info.title)}</strong> ${
    esc(info.version)
  }</p><ul>${navHtml}<li><a href="#schemas">Schemas</a></li></ul></nav>
<main>
<h1>${esc(info.title)}</h1>
<p>${text(info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json"><code>/api/openapi.json</code></a> (OpenAPI ${
    esc(doc.openapi)
  }).</p>
${body}
<h2 id="schemas">Schemas</h2>
${schemas}
</main>
</body>
</html>
`;
}

export const DOCS_CSS = `
:root { color-scheme: light dark; --fg: #1b2330; --bg: #f6f7f9; --card: #fff; --border: #d8dde5; --muted: #5b6675; }
@media (prefers-color-scheme: dark) { :root { --fg: #e4e8ee; --bg: #14181f; --card: #1c222b; --border: #323a46; --muted: #9aa5b4; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); display: flex; }
.toc { position: sticky; top: 0; height: 100vh; overflow: auto; width: 22rem; padding: 1rem; border-right: 1px solid var(--border); font-size: 13px; }
.toc ul { list-style: none; padding-left: 0.6rem; margin: 0.2rem 0; }
.toc a { color: inherit; text-decoration: none; overflow-wrap: anywhere; }
main { flex: 1; min-width: 0; padding: 1rem 2rem 4rem; max-width: 70rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--border); }
.op { background: var(--card); border: 1px solid var(--border); border-radius: 6px; padding: 0.6rem 1rem; margin: 1rem 0; }
.op h3 { margin: 0.3rem 0; font-size: 1.05rem; }
h4 { margin: 0.8rem 0 0.3rem; font-size: 0.95rem; }
.method { display: inline-block; min-width: 4.2em; text-align: center; border-radius: 4px; font: 600 12px/1.8 ui-monospace, monospace; color: #fff; background: #5b6675; }
.method-get { background: #1f6feb; } .method-post { background: #1a7f37; } .method-put, .method-patch { background: #9a6700; } .method-delete { background: #cf222e; }
.muted, .auth { color: var(--muted); }
pre { background: var(--bg); border: 1px solid var(--border); border-radius: 4px; padding: 0.5rem; overflow: auto; font-size: 12.5px; }
code { font-family: ui-monospace, monospace; font-size: 0.92em; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
td, th { border: 1px solid var(--border); padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
td code { word-break: break-all; }
dl.responses dt { font-weight: 700; margin-top: 0.5rem; }
dl.responses dd { margin-left: 1rem; }
.status-2xx { color: #1a7f37; } .status-4xx, .status-5xx { color: #cf222e; }
`;
