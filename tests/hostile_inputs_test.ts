/**
 * Every bad input of issue 13 with the status it now gets, against a real
 * server process (tests/helpers/server_process.ts: its own DATA_DIR, PGlite,
 * or a fresh PostgreSQL database when DATABASE_URL is set). One row per
 * input; the test prints the table. Add rows for new defences here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makePackage } from "./helpers/make_package.ts";
import { SESSION_COOKIE } from "../protocol/mod.ts";
import {
  adminFetch,
  registerAgent,
  startServer,
  type TestServer,
} from "./helpers/server_process.ts";

interface Ctx {
  server: TestServer;
  agent: { agent_id: string; agent_token: string };
  computerId: string;
}

interface HostileInput {
  /** The item of issue 13. */
  item: number;
  input: string;
  send(ctx: Ctx): Promise<Response>;
  status: number;
  /** The `error.code` of the reply, when it has a body. */
  code?: string;
  /** Extra headers the reply must carry. */
  headers?: string[];
}

const REPORT = {
  error_type: "UpdateDownloadFailed",
  message: "m",
  timestamp: "2026-12-01T00:00:00.000Z",
  agent_version: "1.0.0",
};

function agentPost(ctx: Ctx, path: string, body: string | Uint8Array): Promise<Response> {
  return fetch(`${ctx.server.url}/api/agent${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "agent-id": ctx.agent.agent_id,
      "agent-token": ctx.agent.agent_token,
    },
    body: body as BodyInit,
  });
}

function adminGet(ctx: Ctx, path: string): Promise<Response> {
  return fetch(`${ctx.server.url}${path}`, {
    headers: { authorization: `Bearer ${ctx.server.adminToken}` },
  });
}

function post(ctx: Ctx, path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${ctx.server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

/** The admin's session as the browser sends it: the cookie, not a Bearer header. */
function cookieWrite(ctx: Ctx, headers: Record<string, string>, body: string): Promise<Response> {
  return fetch(`${ctx.server.url}/api/admin/agents/versions/00000000-0000-4000-8000-000000000000`, {
    method: "PUT",
    headers: { cookie: `${SESSION_COOKIE}=${ctx.server.adminToken}`, ...headers },
    body,
  });
}

/**
 * Sends raw bytes and reads the status line and body of the reply, for the
 * malformed requests fetch will not send. The runtime (Deno.serve) answers
 * those itself: 400, empty body, before any of the server's code runs.
 */
async function rawHttp(ctx: Ctx, request: string): Promise<Response> {
  const { hostname, port } = new URL(ctx.server.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await conn.write(new TextEncoder().encode(request));
    let text = "";
    const buffer = new Uint8Array(16 * 1024);
    while (!/\r\n\r\n/.test(text) || text.length < headEnd(text)) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    const status = Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    return new Response(status === 0 || body === "" ? null : body, { status: status || 599 });
  } finally {
    conn.close();
  }
}

/** Where a reply's body ends, from its Content-Length (the head alone when absent). */
function headEnd(text: string): number {
  const head = text.indexOf("\r\n\r\n") + 4;
  return head + Number(text.match(/content-length: (\d+)/i)?.[1] ?? 0);
}

const headers = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join("");

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const ROWS: HostileInput[] = [
  {
    item: 2,
    input: 'report-error message "a\\u0000b"',
    send: (ctx) => agentPost(ctx, "/report-error", JSON.stringify({ ...REPORT, message: "a\0b" })),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "report-error message with a lone surrogate \\ud800",
    send: (ctx) =>
      agentPost(
        ctx,
        "/report-error",
        '{"error_type":"X","message":"\\ud800","timestamp":"t","agent_version":"1.0.0"}',
      ),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "report-error details key with NUL",
    send: (ctx) =>
      agentPost(ctx, "/report-error", JSON.stringify({ ...REPORT, details: { "k\0": 1 } })),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "report-error body that is not UTF-8 (0xff)",
    send: (ctx) => agentPost(ctx, "/report-error", new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d])),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: 'login username "adm\\u0000in"',
    send: (ctx) =>
      post(ctx, "/api/auth/login", JSON.stringify({ username: "adm\0in", password: "x" })),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "register hostname with NUL",
    send: (ctx) =>
      post(
        ctx,
        "/api/agent/register",
        JSON.stringify({ hostname: "pc\0", os: "windows", agent_version: "1.0.0" }),
        { "enrollment-token": ctx.server.enrollmentToken },
      ),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "register os with a lone surrogate",
    send: (ctx) =>
      post(
        ctx,
        "/api/agent/register",
        '{"hostname":"pc","os":"\\udfff","agent_version":"1.0.0"}',
        { "enrollment-token": ctx.server.enrollmentToken },
      ),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "upload notes with NUL",
    send: (ctx) => {
      const form = new FormData();
      form.append("version", "3.0.0");
      form.append("notes", "a\0b");
      form.append("file", new Blob([new Uint8Array(10)]), "p.zip");
      return fetch(`${ctx.server.url}/api/admin/agents/versions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ctx.server.adminToken}` },
        body: form,
      });
    },
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "GET /api/admin/computers/%00",
    send: (ctx) => adminGet(ctx, "/api/admin/computers/%00"),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "GET /api/admin/computers?search=%00",
    send: (ctx) => adminGet(ctx, "/api/admin/computers?search=%00"),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "GET /api/admin/computers/%ED%A0%80 (a surrogate's UTF-8 form)",
    send: (ctx) => adminGet(ctx, "/api/admin/computers/%ED%A0%80"),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "check_update?current_version=%00",
    send: (ctx) =>
      fetch(`${ctx.server.url}/api/agent/check_update?current_version=%00`, {
        headers: { "agent-id": ctx.agent.agent_id, "agent-token": ctx.agent.agent_token },
      }),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 2,
    input: "GET /api/agent/agent-packages/%00.zip",
    send: (ctx) =>
      fetch(`${ctx.server.url}/api/agent/agent-packages/%00.zip`, {
        headers: { "agent-id": ctx.agent.agent_id, "agent-token": ctx.agent.agent_token },
      }),
    status: 400,
    code: "invalid_text",
  },
  {
    item: 7,
    input: "report-error details nested 5,000 deep (10 KB)",
    send: (ctx) =>
      agentPost(ctx, "/report-error", JSON.stringify({ ...REPORT, details: nested(5_000) })),
    status: 400,
    code: "too_deep",
  },
  {
    item: 7,
    input: "login body nested 100 deep",
    send: (ctx) => post(ctx, "/api/auth/login", JSON.stringify(nested(100))),
    status: 400,
    code: "too_deep",
  },
  {
    item: 11,
    input: "9.1.0+a, +b and +c uploaded at once (the two that lose)",
    send: async (ctx) => {
      const dir = await Deno.makeTempDir({ prefix: "hangar-hostile-" });
      try {
        const replies = await Promise.all(["a", "b", "c"].map(async (build) => {
          const version = `9.1.0+${build}`;
          const path = join(dir, `${build}.zip`);
          await makePackage({ version, files: { agent: "a", updater: "u" } }, path);
          const form = new FormData();
          form.append("version", version);
          form.append("file", new Blob([await Deno.readFile(path)]), "p.zip");
          return await fetch(`${ctx.server.url}/api/admin/agents/versions`, {
            method: "POST",
            headers: { authorization: `Bearer ${ctx.server.adminToken}` },
            body: form,
          });
        }));
        const created = replies.filter((r) => r.status === 201);
        if (created.length !== 1) throw new Error(`${created.length} of 3 uploads got 201`);
        await created[0].body?.cancel();
        const [first, second] = replies.filter((r) => r.status !== 201);
        await second.body?.cancel();
        return first;
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
    status: 409,
    code: "conflict",
  },
  {
    item: 4,
    input: "cookie-authenticated PUT from a page on another port (Origin)",
    send: (ctx) =>
      cookieWrite(
        ctx,
        { "content-type": "application/json", origin: "http://127.0.0.1:1" },
        '{"is_stable":true}',
      ),
    status: 403,
    code: "forbidden",
  },
  {
    item: 4,
    input: "cookie-authenticated PUT with neither Origin nor Sec-Fetch-Site",
    send: (ctx) => cookieWrite(ctx, { "content-type": "application/json" }, '{"is_stable":true}'),
    status: 403,
    code: "forbidden",
  },
  {
    item: 4,
    input: "cookie-authenticated upload as a text/plain form from another port",
    send: (ctx) =>
      fetch(`${ctx.server.url}/api/admin/agents/versions`, {
        method: "POST",
        headers: {
          cookie: `${SESSION_COOKIE}=${ctx.server.adminToken}`,
          "content-type": "text/plain",
          origin: "http://127.0.0.1:1",
        },
        body: "version=9.9.9",
      }),
    status: 403,
    code: "forbidden",
  },
  {
    item: 4,
    input: "same-origin JSON route with a text/plain body",
    send: (ctx) =>
      cookieWrite(
        ctx,
        { "content-type": "text/plain", origin: ctx.server.url },
        '{"is_stable":true}',
      ),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    item: 6,
    input: "200 concurrent wrong passwords for one username (counted before hashing)",
    send: async (ctx) => {
      const replies = await Promise.all(
        Array.from(
          { length: 200 },
          () => post(ctx, "/api/auth/login", '{"username":"ghost","password":"guess"}'),
        ),
      );
      const statuses = replies.map((res) => res.status);
      await Promise.all(replies.map((res) => res.body?.cancel()));
      const hashed = statuses.filter((s) => s === 401).length;
      if (hashed !== 10) throw new Error(`${hashed} of 200 were checked, expected 10`);
      return post(ctx, "/api/auth/login", '{"username":"ghost","password":"guess"}');
    },
    status: 429,
    code: "rate_limited",
    headers: ["retry-after"],
  },
  {
    item: 15,
    input: "wrong enrollment tokens, back to back (past 20 per client)",
    send: async (ctx) => {
      const body = JSON.stringify({ hostname: "pc", os: "windows", agent_version: "1.0.0" });
      for (let i = 0; i < 25; i++) {
        const res = await post(ctx, "/api/agent/register", body, { "enrollment-token": "guess" });
        if (res.status !== 401) return res;
        await res.body?.cancel();
      }
      throw new Error("25 wrong enrollment tokens in a row were all answered 401");
    },
    status: 429,
    code: "rate_limited",
    headers: ["retry-after"],
  },
  {
    item: 18,
    input: "a 20 KB header (over the server's 16 KiB)",
    send: (ctx) =>
      fetch(`${ctx.server.url}/api/health`, { headers: { "x-big": "a".repeat(20_000) } }),
    status: 431,
    code: "header_too_large",
  },
  {
    item: 18,
    input: "a 100 KB header (runtime: 400, empty body)",
    send: (ctx) =>
      rawHttp(ctx, `GET /api/health HTTP/1.1\r\nHost: a\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`),
    status: 400,
  },
  {
    item: 18,
    input: "5,000 headers (runtime: 400, empty body)",
    send: (ctx) => rawHttp(ctx, `GET /api/health HTTP/1.1\r\nHost: a\r\n${headers(5_000)}\r\n`),
    status: 400,
  },
  {
    item: 18,
    input: "Content-Length: abc (runtime: 400, empty body)",
    send: (ctx) =>
      rawHttp(ctx, "POST /api/auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n"),
    status: 400,
  },
  {
    item: 18,
    input: "a raw NUL byte in the path (runtime: 400, empty body)",
    send: (ctx) => rawHttp(ctx, "GET /api/he\0alth HTTP/1.1\r\nHost: a\r\n\r\n"),
    status: 400,
  },
  // Last: it uses up this agent's report allowance.
  {
    item: 3,
    input: "one agent's 59 KB reports, back to back (past AGENT_REPORTS_PER_MINUTE=30)",
    send: async (ctx) => {
      const body = JSON.stringify({
        ...REPORT,
        stack_trace: "s".repeat(20_000),
        details: { log: "l".repeat(38_000) },
      });
      for (let i = 0; i < 40; i++) {
        const res = await agentPost(ctx, "/report-error", body);
        if (res.status !== 204) return res;
        await res.body?.cancel();
      }
      throw new Error("40 reports in a row were all accepted");
    },
    status: 429,
    code: "rate_limited",
    headers: ["retry-after"],
  },
];

Deno.test("hostile inputs of issue 13 get their documented status from a real server", async (t) => {
  const server = await startServer();
  const table: string[] = [];
  try {
    const agent = await registerAgent(server, "hostile-pc");
    const [computer] = await adminFetch<{ id: string }[]>(server, "/computers");
    const ctx: Ctx = { server, agent, computerId: computer.id };
    for (const row of ROWS) {
      await t.step(`item ${row.item}: ${row.input} → ${row.status}`, async () => {
        const res = await row.send(ctx);
        const text = await res.text();
        table.push(`| ${row.item} | ${row.input} | ${res.status} | ${row.code ?? ""} |`);
        assert.equal(res.status, row.status, text);
        if (row.code) assert.equal(JSON.parse(text).error.code, row.code, text);
        for (const header of row.headers ?? []) assert.ok(res.headers.has(header), header);
      });
    }
    assert.doesNotMatch(server.output(), /unhandled error/, "no input reached a 500");
  } finally {
    await server.stop();
    console.log(["| item | input | status | code |", "|---|---|---|---|", ...table].join("\n"));
  }
});
