/**
 * Talks to a Hangar server for the release tool: sign in, upload a package
 * as a streamed multipart body (constant memory, counted for the progress
 * bar), and mark a version stable.
 */
import { basename } from "node:path";
import { AgentVersionRecord, ApiErrorBody, LoginResponse } from "../../protocol/mod.ts";

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

function quote(value: string): string {
  return value.replace(/["\r\n\\]/g, "_");
}

/** A multipart/form-data body with text fields and one file streamed from disk. */
export async function multipartBody(
  fields: Record<string, string>,
  file: { field: string; path: string },
  onBytes: (sent: number) => void,
): Promise<{ body: ReadableStream<Uint8Array>; length: number; contentType: string }> {
  const boundary = `----hangar-release-${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  let head = "";
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\ncontent-disposition: form-data; name="${quote(name)}"\r\n\r\n`;
    head += `${value}\r\n`;
  }
  head += `--${boundary}\r\ncontent-disposition: form-data; name="${quote(file.field)}"; ` +
    `filename="${quote(basename(file.path))}"\r\ncontent-type: application/zip\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`);
  const fileSize = (await Deno.stat(file.path)).size;
  const handle = await Deno.open(file.path);
  let sent = 0;
  let stage: "head" | "file" | "tail" | "done" = "head";
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === "head") {
        controller.enqueue(headBytes);
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
      controller.enqueue(tailBytes);
      controller.close();
      stage = "done";
    },
    cancel() {
      if (stage !== "done" && stage !== "tail") handle.close();
    },
  });
  return {
    body,
    length: headBytes.length + fileSize + tailBytes.length,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
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

/** Uploads a package as a new version; returns the server's record. */
export async function uploadVersion(options: UploadOptions): Promise<AgentVersionRecord> {
  const fields: Record<string, string> = { version: options.version };
  if (options.notes !== undefined) fields.notes = options.notes;
  const { body, length, contentType } = await multipartBody(
    fields,
    { field: "file", path: options.zipPath },
    options.onProgress ?? (() => {}),
  );
  const res = await fetch(endpoint(options.server, "/api/admin/agents/versions"), {
    method: "POST",
    headers: {
      authorization: `Bearer ${options.token}`,
      "content-type": contentType,
      "content-length": String(length),
    },
    body,
  });
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
