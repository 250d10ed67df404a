/** The shape of one `deno task hangar <noun> <verb>` command. */
import type { HangarClient } from "../../web/api_client.ts";
import type { Credentials } from "./credentials.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  help: string;
  /** Shown in the usage line, e.g. `N`, `URL`. */
  value?: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  client: HangarClient;
  credentials: Credentials;
  values: Values;
  args: string[];
}

/** What a command prints: `json` with --json, `human` otherwise. */
export interface CommandOutput {
  json: unknown;
  human: string;
}

export interface Command {
  noun: string;
  verb: string;
  summary: string;
  /** Positional arguments as the usage line shows them, e.g. `<computer-id>`. */
  args?: string;
  minArgs?: number;
  maxArgs?: number;
  options?: Record<string, OptionSpec>;
  /** More help text under the options. */
  details?: string;
  run(ctx: CommandContext): Promise<CommandOutput>;
}

/** `<noun> show <id>`: fetches one thing by its id and prints it as `describe` does. */
export function showCommand<T>(
  noun: string,
  summary: string,
  args: string,
  fetch: (client: HangarClient, id: string) => Promise<T>,
  describe: (thing: T) => string,
): Command {
  return {
    noun,
    verb: "show",
    summary,
    args,
    minArgs: 1,
    maxArgs: 1,
    async run({ client, args }) {
      const thing = await fetch(client, args[0]);
      return { json: thing, human: describe(thing) };
    },
  };
}

export function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

export function list(values: Values, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : [];
}
