/** `hangar computers list|show|patch|delete`. */
import { ComputerPatch, type ComputerSummary } from "../../protocol/mod.ts";
import type { Query } from "../../web/api_client.ts";
import { UsageError } from "./cli_error.ts";
import { type Command, showCommand, str, type Values } from "./command.ts";
import { facts, table } from "./output.ts";
import { parseInteger } from "./parse_values.ts";

const FILTERS = {
  search: { type: "string", value: "TEXT", help: "hostname contains TEXT (any case)" },
  status: { type: "string", value: "online|offline", help: "only online or offline computers" },
  version: { type: "string", value: "X.Y.Z", help: "only computers running this version" },
  group: { type: "string", value: "NAME", help: "only computers in this group" },
  outdated: { type: "boolean", help: "only computers below the stable version" },
  "has-errors": { type: "boolean", help: "only computers with unresolved errors" },
  updating: { type: "boolean", help: "only computers updating now" },
  sort: { type: "string", value: "hostname|last_seen|agent_version", help: "sort key" },
  order: { type: "string", value: "asc|desc", help: "sort order" },
  limit: { type: "string", value: "N", help: "at most N computers (1..500); default all" },
  after: {
    type: "string",
    value: "CURSOR",
    help: "the page after this cursor (printed by a limited list)",
  },
} as const;

function filterQuery(values: Values): Query {
  return {
    search: str(values, "search"),
    status: str(values, "status"),
    version: str(values, "version"),
    group: str(values, "group"),
    outdated: values.outdated ? "true" : undefined,
    has_errors: values["has-errors"] ? "true" : undefined,
    updating: values.updating ? "true" : undefined,
    sort: str(values, "sort"),
    order: str(values, "order"),
    limit: str(values, "limit"),
    after: str(values, "after"),
  };
}

function computerFacts(c: ComputerSummary): string {
  return facts([
    ["id", c.id],
    ["hostname", c.hostname],
    ["os", c.os],
    ["agent version", c.agent_version],
    ["online", c.online ? "yes" : "no"],
    ["last seen", c.last_seen_at],
    ["group", c.group as string | undefined],
    ["pinned version", c.pinned_version as string | null | undefined],
    [
      "updates paused",
      c.updates_paused === undefined ? undefined : c.updates_paused ? "yes" : "no",
    ],
    ["download limit kbps", c.download_limit_kbps as number | null | undefined],
    ["open errors", c.active_error_count],
    ["enrolled", c.created_at],
  ]);
}

export const COMPUTER_COMMANDS: Command[] = [
  {
    noun: "computers",
    verb: "list",
    summary: "List computers, with the fleet console's filters",
    options: FILTERS,
    maxArgs: 0,
    async run({ client, values }) {
      const page = await client.listComputers(filterQuery(values));
      const rows = page.items.map((c) => [
        c.hostname,
        c.agent_version,
        c.online ? "online" : "offline",
        c.group,
        c.active_error_count,
        c.last_seen_at,
        c.id,
      ]);
      let human = table(
        ["HOSTNAME", "VERSION", "STATUS", "GROUP", "ERRORS", "LAST SEEN", "ID"],
        rows,
      );
      human += `\n${page.items.length} of ${page.total ?? page.items.length} computers`;
      if (page.next_cursor) human += `; next page: --after ${page.next_cursor}`;
      return {
        json: { items: page.items, total: page.total, next_cursor: page.next_cursor },
        human,
      };
    },
  },
  showCommand(
    "computers",
    "Show one computer",
    "<computer-id>",
    (client, id) => client.getComputer(id),
    computerFacts,
  ),
  {
    noun: "computers",
    verb: "patch",
    summary: "Change a computer's group, pin, pause or download limit",
    args: "<computer-id>",
    minArgs: 1,
    maxArgs: 1,
    options: {
      group: { type: "string", value: "NAME", help: "move it to this group" },
      pin: { type: "string", value: "X.Y.Z", help: "offer it nothing above this version" },
      unpin: { type: "boolean", help: "remove the pin" },
      pause: { type: "boolean", help: "pause its updates" },
      unpause: { type: "boolean", help: "let it update again" },
      "limit-kbps": { type: "string", value: "N", help: "limit its downloads to N kbit/s" },
      "no-limit": { type: "boolean", help: "remove its download limit" },
    },
    async run({ client, args, values }) {
      const changes: Record<string, unknown> = {};
      const group = str(values, "group");
      if (group !== undefined) changes.group = group;
      if (values.pin !== undefined && values.unpin) {
        throw new UsageError("Give --pin or --unpin, not both");
      }
      if (values.pin !== undefined) changes.pinned_version = str(values, "pin");
      if (values.unpin) changes.pinned_version = null;
      if (values.pause && values.unpause) {
        throw new UsageError("Give --pause or --unpause, not both");
      }
      if (values.pause) changes.updates_paused = true;
      if (values.unpause) changes.updates_paused = false;
      const limit = str(values, "limit-kbps");
      if (limit !== undefined && values["no-limit"]) {
        throw new UsageError("Give --limit-kbps or --no-limit, not both");
      }
      if (limit !== undefined) {
        changes.download_limit_kbps = parseInteger("limit-kbps", limit, 1, 10_000_000);
      }
      if (values["no-limit"]) changes.download_limit_kbps = null;
      if (Object.keys(changes).length === 0) {
        throw new UsageError(
          "Nothing to change: give --group, --pin, --unpin, --pause, --unpause, --limit-kbps or --no-limit",
        );
      }
      const parsed = ComputerPatch.safeParse(changes);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UsageError(`Invalid change: ${issue.path.join(".")}: ${issue.message}`);
      }
      const computer = await client.patchComputer(args[0], parsed.data);
      return { json: computer, human: computerFacts(computer) };
    },
  },
  {
    noun: "computers",
    verb: "delete",
    summary: "Delete a computer: its agent token stops working at once",
    args: "<computer-id>",
    minArgs: 1,
    maxArgs: 1,
    options: { yes: { type: "boolean", help: "really delete (required)" } },
    async run({ client, args, values }) {
      if (!values.yes) throw new UsageError("Deleting a computer cannot be undone: add --yes");
      await client.deleteComputer(args[0]);
      return { json: { deleted: args[0] }, human: `Deleted computer ${args[0]}` };
    },
  },
];
