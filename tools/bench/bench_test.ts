/**
 * Keeps the bench harness from rotting: runs the stampede scenario (a real
 * server process, a load process of 20 simulated agents that enroll, hold
 * WebSockets, get the new-version event, check and download; a probe
 * process), report_flood (one agent flooding 59 KB reports while probes time
 * check_update and the admin list), verify, connections, check_update (and
 * with a rollout), release_upload (with curl), reconnect_storm and the
 * balancer scenario (three instances behind HAProxy, on PostgreSQL) at a tiny
 * scale, and checks the figures.
 * Not a benchmark: no target is asserted.
 */
import assert from "node:assert/strict";
import { Report } from "./report.ts";
import { type Context, QUICK } from "./scenario.ts";
import { balancerUnavailable, runBalancer } from "./scenarios/balancer.ts";
import { runCheckUpdate } from "./scenarios/check_update.ts";
import { runCheckUpdateRollout } from "./scenarios/check_update_rollout.ts";
import { runConnections } from "./scenarios/connections.ts";
import { runReleaseUpload } from "./scenarios/release_upload.ts";
import { runFleetConsole } from "./scenarios/fleet_console.ts";
import { runReconnectStorm } from "./scenarios/reconnect_storm.ts";
import { runReportFlood } from "./scenarios/report_flood.ts";
import { runStampede } from "./scenarios/stampede.ts";
import { runVerify } from "./scenarios/verify.ts";

Deno.test("bench scenarios run end to end at a tiny scale", async (t) => {
  const ctx: Context = {
    scale: { ...QUICK, agents: 20, balancerAgents: 20, verifyMiB: 2 },
    report: new Report(true),
    workDir: await Deno.makeTempDir({ prefix: "hangar-bench-test-" }),
    profileDir: null,
  };
  const figure = (scenario: string, name: string) => {
    const found = ctx.report.figures.find((f) => f.scenario === scenario && f.name === name);
    assert.ok(found, `no ${scenario}/${name} figure`);
    return found;
  };
  try {
    await t.step("stampede: every agent downloads the new version", async () => {
      await runStampede(ctx);
      assert.equal(figure("stampede", "downloads_completed").value, 20);
      assert.equal(figure("stampede", "downloads_failed").value, 0);
      assert.ok(Number.isFinite(figure("stampede", "check_update_worst_second_p99").value));
    });
    await t.step("verify: both checks hash the file", async () => {
      await runVerify(ctx);
      assert.ok(figure("verify", "agent_check_speed").value > 0);
    });
    await t.step("fleet_console: list, summary and first-render figures", async () => {
      await runFleetConsole(ctx);
      assert.ok(figure("fleet_console", "list_p99_has_errors_true").value > 0);
      assert.ok(figure("fleet_console", "summary_p99").value > 0);
    });
    await t.step(
      "report_flood: the flood is stored within the cap while probes answer",
      async () => {
        await runReportFlood(ctx);
        assert.ok(figure("report_flood", "reports_stored").value > 0);
        assert.ok(figure("report_flood", "stored_error_bytes").value <= 1.01);
        assert.ok(Number.isFinite(figure("report_flood", "check_update_p99_flood_vs_idle").value));
        assert.ok(Number.isFinite(figure("report_flood", "admin_list_p99_flood_vs_idle").value));
      },
    );
    await t.step("connections: every socket held, and a new version reaches all", async () => {
      await runConnections({ ...ctx, scale: { ...ctx.scale, holdMs: 1_000 } });
      assert.equal(figure("connections", "agents_on_one_instance").value, 20);
      assert.equal(figure("connections", "dropped_connections").value, 0);
      assert.ok(Number.isFinite(figure("connections", "notify_all_p99").value));
    });
    await t.step("check_update: both routes timed, with the server's CPU", async () => {
      await runCheckUpdate({ ...ctx, scale: { ...ctx.scale, rateMs: 1_000 } });
      assert.ok(figure("check_update", "check_update_rate").value > 0);
      assert.ok(figure("check_update", "server_cpu_vs_bare").value > 0);
    });
    const noCurl = await new Deno.Command("curl", { args: ["--version"], stdout: "null" }).output()
      .then((o) => o.success ? null : "curl failed", () => "curl is not installed");
    await t.step({
      name: `release_upload: the release tool and curl both upload${
        noCurl ? ` (skipped: ${noCurl})` : ""
      }`,
      ignore: noCurl !== null,
      fn: async () => {
        await runReleaseUpload(ctx);
        assert.ok(figure("release_upload", "speed_vs_curl").value > 0);
      },
    });
    await t.step("check_update_rollout: the rollout's cost against the paused route", async () => {
      await runCheckUpdateRollout({ ...ctx, scale: { ...ctx.scale, rateMs: 1_000 } });
      assert.ok(figure("check_update_rollout", "rollout_vs_no_rollout").value > 0);
      assert.ok(figure("check_update_rollout", "rollout_rate_vs_bare_route").value > 0);
    });
    await t.step("reconnect_storm: every agent is back and online after a restart", async () => {
      await runReconnectStorm(ctx);
      assert.equal(figure("reconnect_storm", "reconnected").value, 20);
      assert.ok(Number.isFinite(figure("reconnect_storm", "all_shown_online_s").value));
    });
    const noBalancer = await balancerUnavailable();
    await t.step({
      name: `balancer: three instances behind HAProxy notify all and survive a kill${
        noBalancer ? ` (skipped: ${noBalancer})` : ""
      }`,
      ignore: noBalancer !== null,
      fn: async () => {
        await runBalancer(ctx);
        assert.equal(figure("balancer", "agents_not_notified").value, 0);
        assert.equal(figure("balancer", "agents_lost_after_kill").value, 0);
        assert.ok(figure("balancer", "notify_all_instances_p99").value > 0);
        assert.ok(figure("balancer", "reconnect_after_kill").value > 0);
      },
    });
    await t.step("the table shows every figure", () => {
      const table = ctx.report.table();
      for (const f of ctx.report.figures) assert.match(table, new RegExp(`\\| ${f.name} `));
    });
  } finally {
    await Deno.remove(ctx.workDir, { recursive: true });
  }
});
