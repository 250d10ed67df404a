/**
 * `deno task hangar <noun> <verb> [options]`: the admin CLI, over the typed
 * client the admin page uses (web/api_client.ts). The server comes from
 * `--server` or HANGAR_SERVER, the credential from HANGAR_API_TOKEN (or an
 * interactive sign-in). `--json` prints machine-readable output only; exit
 * codes are in tools/hangar/cli_error.ts. See docs/cli.md.
 */
import { parseArgs } from "node:util";
import { tokenClient } from "../web/api_client.ts";
import { describeError, EXIT, exitCodeOf, UsageError } from "./hangar/cli_error.ts";
import type { Command, OptionSpec } from "./hangar/command.ts";
import { COMPUTER_COMMANDS } from "./hangar/commands_computers.ts";
import { ERROR_COMMANDS } from "./hangar/commands_errors.ts";
import { ROLLOUT_COMMANDS } from "./hangar/commands_rollouts.ts";
import { TOKEN_COMMANDS } from "./hangar/commands_tokens.ts";
import { VERSION_COMMANDS } from "./hangar/commands_versions.ts";
import { resolveCredentials } from "./hangar/credentials.ts";

export const COMMANDS: Command[] = [
  ...COMPUTER_COMMANDS,
  ...VERSION_COMMANDS,
  ...ROLLOUT_COMMANDS,
  ...ERROR_COMMANDS,
  ...TOKEN_COMMANDS,
];

/** A noun run without a verb runs this one. */
const DEFAULT_VERBS: Record<string, string> = { audit: "list" };

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  server: { type: "string", value: "URL", help: "the Hangar server (or set HANGAR_SERVER)" },
  json: { type: "boolean", help: "print JSON only, for scripts" },
  help: { type: "boolean", help: "show help" },
};

const EXIT_HELP = `Exit codes:
  0  done
  1  the server refused the request or failed (its message is printed)
  2  a bad command, option or value: nothing was sent
  3  not signed in, or the credential lacks the scope (401, 403)
  4  no such computer, version, rollout, error or token (404)
  5  the server could not be reached`;

function optionLines(options: Record<string, OptionSpec>): string {
  const entries = Object.entries(options).map(([name, spec]) => [
    `--${name}${spec.value ? ` ${spec.value}` : ""}`,
    spec.help + (spec.multiple ? " (repeatable)" : ""),
  ]);
  const width = Math.max(...entries.map(([flag]) => flag.length));
  return entries.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`).join("\n");
}

function commandHelp(c: Command): string {
  const options = { ...c.options, ...GLOBAL_OPTIONS };
  return [
    `Usage: deno task hangar ${c.noun} ${c.verb}${c.args ? ` ${c.args}` : ""} [options]`,
    "",
    c.summary,
    "",
    "Options:",
    optionLines(options),
    ...(c.details ? ["", c.details] : []),
    "",
    "Credentials: HANGAR_API_TOKEN (an API token), else an interactive sign-in on a terminal.",
    EXIT_HELP,
  ].join("\n");
}

function mainHelp(nounFilter?: string): string {
  const shown = COMMANDS.filter((c) => !nounFilter || c.noun === nounFilter);
  const width = Math.max(...shown.map((c) => `${c.noun} ${c.verb}`.length));
  const lines = shown.map((c) => `  ${`${c.noun} ${c.verb}`.padEnd(width)}  ${c.summary}`);
  return [
    `Usage: deno task hangar <noun> <verb> [options]`,
    "",
    "Commands:",
    ...lines,
    "",
    "Global options:",
    optionLines(GLOBAL_OPTIONS),
    "",
    "Run `deno task hangar <noun> <verb> --help` for a command's options.",
    "The server: --server URL or HANGAR_SERVER. Credentials: HANGAR_API_TOKEN (an API token),",
    "else an interactive sign-in on a terminal.",
    EXIT_HELP,
  ].join("\n");
}

/** Finds the command for `argv`; returns it with the remaining arguments. */
function findCommand(argv: string[]): { command: Command | null; rest: string[]; noun?: string } {
  const [noun, verb] = argv;
  if (!noun || noun.startsWith("-")) return { command: null, rest: argv };
  const nouns = new Set(COMMANDS.map((c) => c.noun));
  if (!nouns.has(noun)) {
    throw new UsageError(`Unknown command "${noun}": run with --help for the list`);
  }
  const chosen = verb && !verb.startsWith("-") ? verb : DEFAULT_VERBS[noun];
  const command = COMMANDS.find((c) => c.noun === noun && c.verb === chosen) ?? null;
  if (!command && chosen) {
    throw new UsageError(
      `Unknown command "${noun} ${chosen}": run "deno task hangar ${noun} --help"`,
    );
  }
  const rest = argv.slice(chosen === verb ? 2 : 1);
  return { command, rest, noun };
}

function parse(command: Command, argv: string[]) {
  const options = { ...command.options, ...GLOBAL_OPTIONS };
  try {
    const parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(options).map((
          [name, spec],
        ) => [name, { type: spec.type, multiple: spec.multiple ?? false }]),
      ),
      strict: true,
      allowPositionals: true,
    });
    return {
      values: parsed.values as Record<string, string | boolean | string[] | undefined>,
      args: parsed.positionals,
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Runs the CLI; returns the exit code. Output goes to `out` (stdout) and `err` (stderr). */
export async function main(
  argv: string[],
  out: (text: string) => void = console.log,
  err: (text: string) => void = console.error,
): Promise<number> {
  let json = argv.includes("--json");
  try {
    const { command, rest, noun } = findCommand(argv);
    if (!command) {
      out(mainHelp(noun));
      return argv.length === 0 || argv.includes("--help") || argv.includes("-h") || noun
        ? EXIT.ok
        : EXIT.usage;
    }
    const { values, args } = parse(command, rest);
    json = values.json === true;
    if (values.help) {
      out(commandHelp(command));
      return EXIT.ok;
    }
    if (args.length < (command.minArgs ?? 0) || args.length > (command.maxArgs ?? Infinity)) {
      throw new UsageError(
        `"${command.noun} ${command.verb}" takes ${
          command.args ?? "no arguments"
        }; got ${args.length}`,
      );
    }
    const credentials = await resolveCredentials(values.server as string | undefined);
    const client = tokenClient(credentials.server, credentials.token);
    const output = await command.run({ client, credentials, values, args });
    out(json ? JSON.stringify(output.json, null, 2) : output.human);
    return EXIT.ok;
  } catch (error) {
    const code = exitCodeOf(error);
    if (json) err(JSON.stringify({ error: { message: describeError(error), exit_code: code } }));
    else err(`hangar: ${describeError(error)}`);
    if (code === EXIT.usage && !json) err("Run with --help for the commands and options.");
    return code;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
