/**
 * Talks to a Hangar server for the release tool: sign in, upload a package
 * as a streamed multipart body (constant memory, counted for the progress
 * bar, at curl's speed), and mark a version stable.
 */
import { basename } from "node:path";
import {
  AgentVersionRecord,
  ApiErrorBody,
  type CreateRolloutRequest,
  LoginResponse,
  Rollout,
} from "../../protocol/mod.ts";
import { postFile, proxyFor } from "../http/post_file.ts";

/** A non-2xx reply, carrying the server's `{error: {code, message}}` and what was being done. */
export class ApiError extends Error {
  constructor(
    readonly action: string,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const CHUNK = 256 * 1024;

function endpoint(server: string, path: string): string {
  return `${server.replace(/\/+$/, "")}${path}`;
}

async function readReply(res: Response, action: string): Promise<unknown> {
  const text = await res.text();
  if (res.ok) return text ? JSON.parse(text) : null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: a proxy's page or an empty body; the status text says enough
  }
  const body = ApiErrorBody.safeParse(parsed);
  if (body.success) {
    throw new ApiError(action, res.status, body.data.error.code, body.data.error.message);
  }
  throw new ApiError(
    action,
    res.status,
    res.statusText || "error",
    text.slice(0, 200) || "no body",
  );
}

/** Signs in as an admin and returns the bearer token. */
export async function login(server: string, username: string, password: string): Promise<string> {
  const res = await fetch(endpoint(server, "/api/auth/login"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  return LoginResponse.parse(await readReply(res, "sign-in")).token;
}

/** Lists the server's versions: how the release tool checks an API token before building. */
export async function listVersions(server: string, token: string): Promise<AgentVersionRecord[]> {
  const res = await fetch(endpoint(server, "/api/admin/agents/versions"), {
    headers: { authorization: `Bearer ${token}` },
  });
  return AgentVersionRecord.array().parse(await readReply(res, "checking the API token"));
}

function quote(value: string): string {
  return value.replace(/["\r\n\\]/g, "_");
}

/** The bytes around the file of a multipart/form-data body with text fields and one file. */
export function multipartParts(
  fields: Record<string, string>,
  file: { field: string; path: string },
): { head: Uint8Array; tail: Uint8Array; contentType: string } {
  const boundary = `----hangar-release-${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  let head = "";
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\ncontent-disposition: form-data; name="${quote(name)}"\r\n\r\n`;
    head += `${value}\r\n`;
  }
  head += `--${boundary}\r\ncontent-disposition: form-data; name="${quote(file.field)}"; ` +
    `filename="${quote(basename(file.path))}"\r\ncontent-type: application/zip\r\n\r\n`;
  return {
    head: encoder.encode(head),
    tail: encoder.encode(`\r\n--${boundary}--\r\n`),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * The same multipart body as a stream, for fetch: the upload through an HTTP
 * proxy, which the raw client does not speak.
 */
export async function multipartBody(
  fields: Record<string, string>,
  file: { field: string; path: string },
  onBytes: (sent: number) => void,
): Promise<{ body: ReadableStream<Uint8Array>; length: number; contentType: string }> {
  const { head, tail, contentType } = multipartParts(fields, file);
  const fileSize = (await Deno.stat(file.path)).size;
  const handle = await Deno.open(file.path);
  let sent = 0;
  let stage: "head" | "file" | "tail" | "done" = "head";
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === "head") {
        controller.enqueue(head);
        stage = "file";
        return;
      }
      if (stage === "file") {
        const buffer = new Uint8Array(CHUNK);
        const n = await handle.read(buffer);
        if (n !== null) {
          controller.enqueue(buffer.subarray(0, n));
          sent += n;
          onBytes(sent);
          return;
        }
        handle.close();
        stage = "tail";
      }
      controller.enqueue(tail);
      controller.close();
      stage = "done";
    },
    cancel() {
      if (stage !== "done" && stage !== "tail") handle.close();
    },
  });
  return { body, length: head.length + fileSize + tail.length, contentType };
}

export interface UploadOptions {
  server: string;
  token: string;
  zipPath: string;
  version: string;
  notes?: string;
  /** Called with the bytes of the zip sent so far. */
  onProgress?: (sent: number) => void;
}

/**
 * Uploads a package as a new version; returns the server's record. The body
 * goes through the raw HTTP client (tools/http/post_file.ts) at the speed of
 * curl; through fetch only when the environment names a proxy for the server.
 */
export async function uploadVersion(options: UploadOptions): Promise<AgentVersionRecord> {
  const fields: Record<string, string> = { version: options.version };
  if (options.notes !== undefined) fields.notes = options.notes;
  const url = endpoint(options.server, "/api/admin/agents/versions");
  const file = { field: "file", path: options.zipPath };
  const onProgress = options.onProgress ?? (() => {});
  const authorization = `Bearer ${options.token}`;
  if (proxyFor(url, (name) => Deno.env.get(name)) !== null) {
    const { body, length, contentType } = await multipartBody(fields, file, onProgress);
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization, "content-type": contentType, "content-length": String(length) },
      body,
    });
    return AgentVersionRecord.parse(await readReply(res, "upload"));
  }
  const { head, tail, contentType } = multipartParts(fields, file);
  const reply = await postFile(url, {
    headers: { authorization, "content-type": contentType },
    head,
    path: options.zipPath,
    tail,
    onProgress,
  });
  const res = new Response(reply.body, { status: reply.status, statusText: reply.statusText });
  return AgentVersionRecord.parse(await readReply(res, "upload"));
}

/** Marks a version stable (or not); returns the updated record. */
export async function setStable(
  server: string,
  token: string,
  versionId: string,
  isStable = true,
): Promise<AgentVersionRecord> {
  const res = await fetch(endpoint(server, `/api/admin/agents/versions/${versionId}`), {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ is_stable: isStable }),
  });
  return AgentVersionRecord.parse(await readReply(res, "marking stable"));
}

/** Starts a staged rollout of a version (POST /api/admin/rollouts); returns the rollout. */
export async function createRollout(
  server: string,
  token: string,
  body: CreateRolloutRequest,
): Promise<Rollout> {
  const res = await fetch(endpoint(server, "/api/admin/rollouts"), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return Rollout.parse(await readReply(res, "starting the rollout"));
}
