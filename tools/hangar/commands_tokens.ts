/** `hangar tokens list|create|revoke` (needs the `admin` scope or a signed-in admin). */
import { API_SCOPES, type ApiScope, ApiScope as ScopeSchema } from "../../protocol/mod.ts";
import { UsageError } from "./cli_error.ts";
import { type Command, list, str } from "./command.ts";
import { facts, table } from "./output.ts";
import { parseInteger } from "./parse_values.ts";

export const TOKEN_COMMANDS: Command[] = [
  {
    noun: "tokens",
    verb: "list",
    summary: "List API tokens (never their secrets)",
    maxArgs: 0,
    async run({ client }) {
      const tokens = await client.listApiTokens();
      const rows = tokens.map((
        t,
      ) => [t.name, t.scopes.join(" "), t.expires_at ?? "never", t.last_used_at ?? "never", t.id]);
      return { json: tokens, human: table(["NAME", "SCOPES", "EXPIRES", "LAST USED", "ID"], rows) };
    },
  },
  {
    noun: "tokens",
    verb: "create",
    summary: "Create an API token; it is printed this once",
    maxArgs: 0,
    options: {
      name: {
        type: "string",
        value: "NAME",
        help: "a name unique among live tokens, e.g. ci-release",
      },
      scope: {
        type: "string",
        multiple: true,
        value: "SCOPE",
        help: `repeatable: ${API_SCOPES.join(", ")}`,
      },
      "expires-in-days": {
        type: "string",
        value: "N",
        help: "expire after N days (default: never)",
      },
    },
    async run({ client, values }) {
      const name = str(values, "name");
      if (!name) throw new UsageError("--name is required");
      const scopes = list(values, "scope").map((s): ApiScope => {
        const parsed = ScopeSchema.safeParse(s);
        if (!parsed.success) {
          throw new UsageError(`Unknown scope "${s}": use ${API_SCOPES.join(", ")}`);
        }
        return parsed.data;
      });
      if (scopes.length === 0) throw new UsageError("Give at least one --scope");
      const days = str(values, "expires-in-days");
      const created = await client.createApiToken({
        name,
        scopes,
        ...(days ? { expires_in_days: parseInteger("expires-in-days", days, 1, 3650) } : {}),
      });
      const human = facts([
        ["name", created.name],
        ["scopes", created.scopes.join(" ")],
        ["expires", created.expires_at ?? "never"],
        ["id", created.id],
        ["token", created.token],
      ]) + "\nThe token is shown only this once.";
      return { json: created, human };
    },
  },
  {
    noun: "tokens",
    verb: "revoke",
    summary: "Revoke an API token at once",
    args: "<token-id>",
    minArgs: 1,
    maxArgs: 1,
    async run({ client, args }) {
      await client.revokeApiToken(args[0]);
      return { json: { revoked: args[0] }, human: `Revoked token ${args[0]}` };
    },
  },
];
