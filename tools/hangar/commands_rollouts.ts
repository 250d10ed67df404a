/** `hangar rollouts list|show|start|pause|resume|advance|cancel`. */
import { CreateRolloutRequest, type Rollout } from "../../protocol/mod.ts";
import { ApiError } from "../../web/api.ts";
import { UsageError } from "./cli_error.ts";
import { type Command, list, showCommand, str } from "./command.ts";
import { facts, table } from "./output.ts";
import { parseInteger, parseStage } from "./parse_values.ts";

function rolloutFacts(r: Rollout): string {
  const { counts } = r;
  return facts([
    ["id", r.id],
    ["version", r.version],
    ["status", r.status],
    ["stage", `${r.stage_index + 1} of ${r.stages.length}`],
    ["halt reason", r.halt_reason],
    ["started", r.started_at],
    ["finished", r.finished_at],
    [
      "computers",
      `${counts.updated} updated, ${counts.in_progress} updating, ${counts.failed} failed, ` +
      `${counts.pending} pending, of ${counts.cohort} in the cohort`,
    ],
  ]);
}

function action(verb: "pause" | "resume" | "advance" | "cancel", summary: string): Command {
  return {
    noun: "rollouts",
    verb,
    summary,
    args: "<rollout-id>",
    minArgs: 1,
    maxArgs: 1,
    async run({ client, args }) {
      const rollout = await client.rolloutAction(args[0], verb);
      return { json: rollout, human: rolloutFacts(rollout) };
    },
  };
}

export const ROLLOUT_COMMANDS: Command[] = [
  {
    noun: "rollouts",
    verb: "list",
    summary: "List rollouts, newest first",
    maxArgs: 0,
    async run({ client }) {
      const rollouts = await client.listRollouts();
      const rows = rollouts.map((
        r,
      ) => [r.version, r.status, r.stage_index + 1, r.started_at, r.id]);
      return {
        json: rollouts,
        human: table(["VERSION", "STATUS", "STAGE", "STARTED", "ID"], rows),
      };
    },
  },
  showCommand(
    "rollouts",
    "Show one rollout and its counts",
    "<rollout-id>",
    (client, id) => client.getRollout(id),
    rolloutFacts,
  ),
  {
    noun: "rollouts",
    verb: "start",
    summary: "Start a staged rollout of an uploaded version",
    maxArgs: 0,
    options: {
      version: { type: "string", value: "X.Y.Z", help: "the version to roll out" },
      "version-id": { type: "string", value: "ID", help: "or the version's id" },
      stage: {
        type: "string",
        multiple: true,
        value: "SPEC",
        help: "a stage, in order (repeat): N%, group=NAME[+NAME], wait=DURATION",
      },
      "max-failures": {
        type: "string",
        value: "N",
        help: "halt after N failed updates (default 3)",
      },
      "max-failure-rate": {
        type: "string",
        value: "R",
        help: "halt above this failed share, 0..1 (default 0.1)",
      },
    },
    details:
      "Example: rollouts start --version 1.3.0 --stage group=canary,wait=1h --stage 10%,wait=2h --stage 100%",
    async run({ client, values }) {
      const stages = list(values, "stage").map(parseStage);
      if (stages.length === 0) throw new UsageError("Give at least one --stage");
      let versionId = str(values, "version-id");
      const version = str(values, "version");
      if (!versionId === !version) throw new UsageError("Give --version or --version-id");
      if (version) {
        const found = (await client.listVersions()).find((v) => v.version === version);
        if (!found) throw new ApiError(404, "not_found", `No uploaded version "${version}"`);
        versionId = found.id;
      }
      const request: Record<string, unknown> = { version_id: versionId, stages };
      const maxFailures = str(values, "max-failures");
      if (maxFailures) {
        request.max_failures = parseInteger("max-failures", maxFailures, 1, 1_000_000);
      }
      const rate = str(values, "max-failure-rate");
      if (rate !== undefined) {
        const value = Number(rate);
        if (!(value >= 0 && value <= 1)) {
          throw new UsageError(`--max-failure-rate must be 0..1, not "${rate}"`);
        }
        request.max_failure_rate = value;
      }
      const parsed = CreateRolloutRequest.safeParse(request);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UsageError(
          `Invalid rollout: ${issue.path.join(".") || "body"}: ${issue.message}`,
        );
      }
      const rollout = await client.createRollout(parsed.data);
      return { json: rollout, human: rolloutFacts(rollout) };
    },
  },
  action("pause", "Pause a running rollout"),
  action("resume", "Resume a paused or halted rollout"),
  action("advance", "Move a rollout to its next stage now"),
  action("cancel", "Cancel an active rollout"),
];
