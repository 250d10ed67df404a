/**
 * `POST /api/admin/agents/versions`: reads the multipart body as a stream,
 * writing the file to a temp file under DATA_DIR while hashing it in the same
 * pass, then checks the package (and its signature, when TRUSTED_KEYS is set)
 * and stores it. Every rejection (bad field, bad package, bad signature, too
 * large, duplicate) removes the temp file and writes no row.
 */
import { createHash } from "node:crypto";
import { type AgentVersionRecord, SemverString } from "../../protocol/mod.ts";
import type { TrustedKey } from "../../package/signature.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { boundaryOf, MultipartError, parseMultipart, readPartText } from "../storage/multipart.ts";
import type { PackageStore } from "../storage/package_store.ts";
import type { AgentVersions } from "./agent_versions.ts";
import { checkPackage } from "./package_check.ts";
import { checkText } from "../validate.ts";

/** Room for the form fields and part headers around the file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
const MAX_NOTES_BYTES = 10_000;
const WRITE_BATCH_BYTES = 1024 * 1024;

export interface UploadDeps {
  store: PackageStore;
  versions: AgentVersions;
  logger: Logger;
  maxBytes: number;
  /** TRUSTED_KEYS: packages must be signed by one of them. Empty: signatures are not checked. */
  trustedKeys: readonly TrustedKey[];
}

export interface UploadRequest {
  body: ReadableStream<Uint8Array> | null;
  contentType: string | undefined;
  contentLength: string | undefined;
}

interface Temp {
  path: string;
  sha256: string;
  size: number;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(
    413,
    "payload_too_large",
    `The package is over the limit of ${maxBytes} bytes`,
  );
}

/** Validates `version` early, so a bad or taken version fails before the file is read. */
async function checkVersionField(value: string, versions: AgentVersions): Promise<string> {
  const version = value.trim();
  if (!SemverString.safeParse(version).success) {
    throw new HttpError(
      400,
      "validation_failed",
      `version "${version.slice(0, 100)}" is not a semantic version`,
    );
  }
  if (await versions.exists(version)) {
    throw new HttpError(409, "conflict", `Version "${version}" already exists`);
  }
  return version;
}

async function writeTemp(
  store: PackageStore,
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  onCreated: (path: string) => void,
): Promise<Temp> {
  const { path, file } = await store.createTemp();
  onCreated(path);
  const hash = createHash("sha256");
  // Network chunks are ~32 KiB; writing them in 1 MiB batches means 30x fewer write calls.
  const batch = new Uint8Array(WRITE_BATCH_BYTES);
  let batched = 0;
  const flush = async () => {
    for (let done = 0; done < batched;) done += await file.write(batch.subarray(done, batched));
    batched = 0;
  };
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      hash.update(chunk);
      for (let offset = 0; offset < chunk.byteLength;) {
        const n = Math.min(chunk.byteLength - offset, batch.length - batched);
        batch.set(chunk.subarray(offset, offset + n), batched);
        batched += n;
        offset += n;
        if (batched === batch.length) await flush();
      }
    }
    await flush();
    // On disk before the row says it exists.
    await file.syncData();
  } finally {
    file.close();
  }
  return { path, sha256: hash.digest("hex"), size };
}

export async function receivePackageUpload(
  request: UploadRequest,
  deps: UploadDeps,
): Promise<AgentVersionRecord> {
  const boundary = boundaryOf(request.contentType);
  if (!boundary || !request.body) {
    throw new HttpError(400, "bad_request", "Expected a multipart/form-data body with a file");
  }
  const declared = Number(request.contentLength ?? "0");
  if (declared > deps.maxBytes + FORM_OVERHEAD_BYTES) throw tooLarge(deps.maxBytes);

  let tempPath: string | null = null;
  let stored = false;
  try {
    let version: string | null = null;
    let notes: string | null = null;
    let temp: Temp | null = null;
    for await (const part of parseMultipart(request.body, boundary)) {
      if (part.name === "version") {
        version = await checkVersionField(await readPartText(part, 256), deps.versions);
      } else if (part.name === "notes") {
        notes = checkText("notes", await readPartText(part, MAX_NOTES_BYTES)).trim() || null;
      } else if (part.name === "file") {
        if (temp) throw new HttpError(400, "bad_request", "Send one file, not several");
        temp = await writeTemp(deps.store, part.body, deps.maxBytes, (p) => tempPath = p);
      }
    }
    if (version === null) throw new HttpError(400, "validation_failed", "version is required");
    if (temp === null) throw new HttpError(400, "validation_failed", "file is required");
    const { manifest, signedBy } = await checkPackage(temp.path, version, deps.trustedKeys);
    const record = await deps.versions.create({
      version,
      notes,
      tempPath: temp.path,
      sha256: temp.sha256,
      size: temp.size,
      signedBy,
    });
    stored = true;
    deps.logger.info("agent version uploaded", {
      version,
      platform: manifest.platform,
      file: record.download_url,
      size: temp.size,
      sha256: temp.sha256,
      signed_by: signedBy,
    });
    return record;
  } catch (caught) {
    const error = caught instanceof MultipartError
      ? new HttpError(400, "bad_request", caught.message)
      : caught;
    if (error instanceof HttpError) {
      deps.logger.warn("agent version upload rejected", {
        status: error.status,
        reason: error.message,
      });
    }
    throw error;
  } finally {
    if (tempPath && !stored) await deps.store.remove(tempPath);
  }
}
