import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type CommandRunner,
  holdPath,
  isHeld,
  parseSupervisorKind,
  type SupervisorCommand,
  updaterCommand,
} from "../../host/supervisor.ts";
import { supervisorFor } from "./supervisor.ts";
import { mainPidCommand, systemctl } from "./systemd.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("supervisorFor picks the supervisor from HANGAR_SUPERVISOR", async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{}, "detached"],
    [{ HANGAR_SUPERVISOR: "" }, "detached"],
    [{ HANGAR_SUPERVISOR: "detached" }, "detached"],
    [{ HANGAR_SUPERVISOR: "systemd" }, "systemd"],
    [{ HANGAR_SUPERVISOR: "supervise" }, "supervise"],
  ];
  for (const [vars, kind] of cases) {
    await t.step(`${JSON.stringify(vars)} -> ${kind}`, () => {
      assert.equal(supervisorFor("/opt/hangar-agent", envOf(vars)).kind, kind);
    });
  }
  await t.step("an unknown name is an error naming the choices", () => {
    assert.throws(
      () => parseSupervisorKind("upstart"),
      /HANGAR_SUPERVISOR is "upstart"; expected one of detached, systemd, supervise/,
    );
  });
});

Deno.test("the systemd supervisor stops and starts the unit with these exact commands", async () => {
  const dir = await Deno.makeTempDir();
  const ran: SupervisorCommand[] = [];
  const run: CommandRunner = (command) => {
    ran.push(command);
    const output = command.args[0] === "show" ? `${Deno.pid}\n` : "";
    return Promise.resolve({ code: 0, output });
  };
  try {
    const vars = { HANGAR_SUPERVISOR: "systemd", HANGAR_SYSTEMD_UNIT: "hangar-agent.service" };
    const supervisor = supervisorFor(dir, envOf(vars), run);
    await supervisor.hold(1234);
    const agent = await supervisor.start();
    assert.equal(agent.pid, Deno.pid);
    assert.equal(agent.isRunning(), true);
    await supervisor.stop(agent);
    assert.deepEqual(ran, [
      { program: "systemctl", args: ["stop", "hangar-agent.service"] },
      { program: "systemctl", args: ["start", "hangar-agent.service"] },
      {
        program: "systemctl",
        args: ["show", "--property=MainPID", "--value", "hangar-agent.service"],
      },
      { program: "systemctl", args: ["stop", "hangar-agent.service"] },
    ]);
    assert.deepEqual(systemctl("start", "x.service"), {
      program: "systemctl",
      args: ["start", "x.service"],
    });
    assert.deepEqual(mainPidCommand("x.service").args.at(-1), "x.service");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failing systemctl fails the launch with its output", async () => {
  const run: CommandRunner = () =>
    Promise.resolve({ code: 5, output: "Unit hangar-agent.service not found." });
  const supervisor = supervisorFor("/nowhere", envOf({ HANGAR_SUPERVISOR: "systemd" }), run);
  await assert.rejects(
    () => supervisor.start(),
    /systemctl start hangar-agent.service failed \(exit 5\): Unit hangar-agent.service not found/,
  );
});

Deno.test("updaterCommand runs the updater in its own transient unit only under systemd", () => {
  const args = ["--package-path", "/opt/hangar-agent/_update/p.zip"];
  assert.deepEqual(updaterCommand("detached", "/opt/hangar-agent/updater", args), {
    program: "/opt/hangar-agent/updater",
    args,
  });
  assert.deepEqual(updaterCommand("supervise", "/opt/a/updater", args).program, "/opt/a/updater");
  const systemd = updaterCommand("systemd", "/opt/hangar-agent/updater", args, envOf({}));
  assert.equal(systemd.program, "systemd-run");
  assert.match(systemd.args[0], /^--unit=hangar-agent-update-\d+$/);
  assert.deepEqual(systemd.args.slice(1), [
    "--collect",
    "--quiet",
    "--setenv=HANGAR_SUPERVISOR=systemd",
    "--setenv=HANGAR_SYSTEMD_UNIT=hangar-agent.service",
    "--",
    "/opt/hangar-agent/updater",
    ...args,
  ]);
});

Deno.test("a hold counts only while the updater that wrote it runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await isHeld(dir), false);
    await Deno.mkdir(join(dir, "config"));
    await Deno.writeTextFile(holdPath(dir), JSON.stringify({ by_pid: 4242 }));
    assert.equal(await isHeld(dir, () => true), true);
    assert.equal(await isHeld(dir, () => false), false, "its updater died: the agent may start");
    await Deno.writeTextFile(holdPath(dir), '{"by_p');
    assert.equal(await isHeld(dir), true, "a hold being written counts");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
