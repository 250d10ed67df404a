/** The scenarios in the order a full run takes them. */
import type { Scenario } from "../scenario.ts";
import { runBalancer } from "./balancer.ts";
import { runCheckUpdate } from "./check_update.ts";
import { runCheckUpdateRollout } from "./check_update_rollout.ts";
import { runConnections } from "./connections.ts";
import { runDownloads } from "./downloads.ts";
import { runFanout } from "./fanout.ts";
import { runFleetConsole } from "./fleet_console.ts";
import { runStampede } from "./stampede.ts";
import { runUpdate } from "./update.ts";
import { runReconnectStorm } from "./reconnect_storm.ts";
import { runReleaseUpload } from "./release_upload.ts";
import { runReportFlood, runReportFloodLimited } from "./report_flood.ts";
import { runUpload } from "./upload.ts";
import { runVerify } from "./verify.ts";

export const SCENARIOS: Scenario[] = [
  { name: "connections", run: runConnections },
  { name: "fanout", run: runFanout },
  { name: "reconnect_storm", run: runReconnectStorm },
  { name: "check_update", run: runCheckUpdate },
  { name: "check_update_rollout", run: runCheckUpdateRollout },
  { name: "downloads", run: runDownloads },
  { name: "upload", run: runUpload },
  { name: "release_upload", run: runReleaseUpload },
  { name: "verify", run: runVerify },
  { name: "report_flood", run: runReportFlood },
  { name: "report_flood_limited", run: runReportFloodLimited },
  { name: "stampede", run: runStampede },
  { name: "update", run: runUpdate },
  { name: "fleet_console", run: runFleetConsole },
  { name: "balancer", run: runBalancer },
];
