/** `hangar errors list|resolve` and `hangar audit`. */
import { MAX_BULK_RESOLVE } from "../../protocol/mod.ts";
import type { Query } from "../../web/api_client.ts";
import { UsageError } from "./cli_error.ts";
import { type Command, str } from "./command.ts";
import { pageTable } from "./output.ts";

const ERROR_FILTERS = {
  type: {
    type: "string",
    value: "TYPE",
    help: "only errors of this type, e.g. UpdateDownloadFailed",
  },
  computer: { type: "string", value: "ID", help: "only this computer's errors" },
  resolved: { type: "boolean", help: "resolved errors instead of open ones" },
  limit: { type: "string", value: "N", help: "at most N errors (1..500, default 50)" },
  after: { type: "string", value: "CURSOR", help: "the page after this cursor" },
} as const;

function errorQuery(values: Record<string, unknown>): Query {
  return {
    resolved: values.resolved ? "true" : "false",
    error_type: values.type as string | undefined,
    computer_id: values.computer as string | undefined,
    limit: values.limit as string | undefined,
    after: values.after as string | undefined,
  };
}

/** `COMPUTER_ID:ERROR_ID` → the pair the bulk resolve takes. */
function parsePair(text: string): { computer_id: string; error_id: string } {
  const at = text.indexOf(":");
  if (at <= 0 || at === text.length - 1) {
    throw new UsageError(
      `Cannot read "${text}": give COMPUTER_ID:ERROR_ID (as errors list prints)`,
    );
  }
  return { computer_id: text.slice(0, at), error_id: text.slice(at + 1) };
}

export const ERROR_COMMANDS: Command[] = [
  {
    noun: "errors",
    verb: "list",
    summary: "List errors across the fleet, newest first",
    options: ERROR_FILTERS,
    maxArgs: 0,
    async run({ client, values }) {
      const page = await client.listErrors(errorQuery(values));
      return pageTable(
        page,
        ["REPORTED", "HOSTNAME", "TYPE", "MESSAGE", "COMPUTER:ERROR"],
        (e) => [
          e.reported_at,
          e.hostname,
          e.error_type,
          e.error_message.slice(0, 60),
          `${e.computer_id}:${e.id}`,
        ],
      );
    },
  },
  {
    noun: "errors",
    verb: "resolve",
    summary: "Resolve errors: the ones named, or with --all every open one the filters match",
    args: "[COMPUTER_ID:ERROR_ID ...]",
    options: {
      notes: { type: "string", value: "TEXT", help: "resolution notes recorded with each" },
      all: { type: "boolean", help: "resolve every open error matching --type / --computer" },
      type: ERROR_FILTERS.type,
      computer: ERROR_FILTERS.computer,
    },
    async run({ client, args, values }) {
      let errors = args.map(parsePair);
      if (values.all) {
        if (errors.length) throw new UsageError("Give error ids or --all, not both");
        errors = [];
        let after: string | undefined;
        do {
          const page = await client.listErrors({ ...errorQuery(values), limit: 500, after });
          errors.push(...page.items.map((e) => ({ computer_id: e.computer_id, error_id: e.id })));
          after = page.next_cursor ?? undefined;
        } while (after);
      } else if (errors.length === 0) {
        throw new UsageError("Name the errors (COMPUTER_ID:ERROR_ID ...) or give --all");
      }
      if (errors.length === 0) {
        return { json: { resolved: 0, skipped: [] }, human: "No open errors match" };
      }
      let resolved = 0;
      const skipped: unknown[] = [];
      for (let i = 0; i < errors.length; i += MAX_BULK_RESOLVE) {
        const reply = await client.resolveErrors(
          errors.slice(i, i + MAX_BULK_RESOLVE),
          str(values, "notes") ?? null,
        );
        resolved += reply.resolved;
        skipped.push(...reply.skipped);
      }
      const human = `Resolved ${resolved} error${resolved === 1 ? "" : "s"}` +
        (skipped.length ? `; skipped ${skipped.length} (resolved already or unknown)` : "");
      return { json: { resolved, skipped }, human };
    },
  },
  {
    noun: "audit",
    verb: "list",
    summary: "The audit log, newest first",
    maxArgs: 0,
    options: {
      action: { type: "string", value: "ACTION", help: "only this action, e.g. version.upload" },
      actor: {
        type: "string",
        value: "NAME",
        help: "only this actor (a username, token:NAME, system)",
      },
      limit: { type: "string", value: "N", help: "at most N entries (1..500, default 50)" },
      after: { type: "string", value: "CURSOR", help: "the page after this cursor" },
    },
    async run({ client, values }) {
      const page = await client.listAudit({
        action: str(values, "action"),
        actor: str(values, "actor"),
        limit: str(values, "limit"),
        after: str(values, "after"),
      });
      return pageTable(page, ["AT", "ACTOR", "ACTION", "TARGET"], (e) => [
        e.at,
        e.actor,
        e.action,
        e.target_type ? `${e.target_type} ${e.target_id ?? ""}` : "",
      ]);
    },
  },
];
