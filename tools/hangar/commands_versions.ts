/** `hangar versions list|upload|stable`. */
import { ApiError } from "../../web/api.ts";
import { ApiError as UploadError, uploadVersion } from "../release/upload.ts";
import type { AgentVersionRecord } from "../../protocol/mod.ts";
import type { Command } from "./command.ts";
import { str } from "./command.ts";
import { UsageError } from "./cli_error.ts";
import { facts, table } from "./output.ts";

function versionFacts(v: AgentVersionRecord): string {
  return facts([
    ["id", v.id],
    ["version", v.version],
    ["stable", v.is_stable ? "yes" : "no"],
    ["size", v.file_size],
    ["sha256", v.checksum_sha256],
    ["signed by", v.signed_by ?? null],
    ["notes", v.notes],
    ["uploaded", v.created_at],
  ]);
}

export const VERSION_COMMANDS: Command[] = [
  {
    noun: "versions",
    verb: "list",
    summary: "List agent versions, highest first",
    maxArgs: 0,
    async run({ client }) {
      const versions = await client.listVersions();
      const rows = versions.map((v) => [
        v.version,
        v.is_stable ? "stable" : "",
        v.file_size,
        v.created_at,
        v.id,
      ]);
      return {
        json: versions,
        human: table(["VERSION", "STABLE", "BYTES", "UPLOADED", "ID"], rows),
      };
    },
  },
  {
    noun: "versions",
    verb: "upload",
    summary: "Upload a package zip as a new version (streamed)",
    args: "<package.zip>",
    minArgs: 1,
    maxArgs: 1,
    options: {
      version: {
        type: "string",
        value: "X.Y.Z",
        help: "the version (must match the package's manifest)",
      },
      notes: { type: "string", value: "TEXT", help: "release notes" },
    },
    async run({ credentials, args, values }) {
      const version = str(values, "version");
      if (!version) throw new UsageError("--version X.Y.Z is required");
      try {
        await Deno.stat(args[0]);
      } catch {
        throw new UsageError(`Cannot read the package "${args[0]}"`);
      }
      let record: AgentVersionRecord;
      try {
        record = await uploadVersion({
          server: credentials.server,
          token: credentials.token,
          zipPath: args[0],
          version,
          notes: str(values, "notes"),
        });
      } catch (error) {
        if (error instanceof UploadError) {
          throw new ApiError(error.status, error.code, error.message);
        }
        if (error instanceof Deno.errors.ConnectionRefused) {
          throw new ApiError(0, "network", `Cannot reach the server: ${error.message}`);
        }
        throw error;
      }
      return { json: record, human: versionFacts(record) };
    },
  },
  {
    noun: "versions",
    verb: "stable",
    summary: "Mark a version stable (or, with --off, not stable)",
    args: "<version-id>",
    minArgs: 1,
    maxArgs: 1,
    options: { off: { type: "boolean", help: "unmark it: stop offering it" } },
    async run({ client, args, values }) {
      const record = await client.setVersionStable(args[0], !values.off);
      return { json: record, human: versionFacts(record) };
    },
  },
];
