import assert from "node:assert/strict";
import {
  createTaskCommand,
  deleteTaskCommand,
  endTaskCommand,
  lockDownCommand,
  processStartCommand,
  quoteWindowsArg,
  runTaskCommand,
  taskXml,
} from "./windows.ts";

Deno.test("schtasks command lines name the task and nothing else", () => {
  assert.deepEqual(createTaskCommand("C:\\Program Files\\Hangar Agent\\task.xml"), {
    program: "schtasks",
    args: [
      "/Create",
      "/TN",
      "Hangar Agent",
      "/XML",
      "C:\\Program Files\\Hangar Agent\\task.xml",
      "/F",
    ],
  });
  assert.deepEqual(runTaskCommand().args, ["/Run", "/TN", "Hangar Agent"]);
  assert.deepEqual(endTaskCommand().args, ["/End", "/TN", "Hangar Agent"]);
  assert.deepEqual(deleteTaskCommand().args, ["/Delete", "/TN", "Hangar Agent", "/F"]);
});

Deno.test("icacls grants SYSTEM and Administrators only, by SID, without inheritance", () => {
  assert.deepEqual(lockDownCommand("C:\\ProgramData\\Hangar\\config", true), {
    program: "icacls",
    args: [
      "C:\\ProgramData\\Hangar\\config",
      "/inheritance:r",
      "/grant:r",
      "*S-1-5-18:(OI)(CI)F",
      "/grant:r",
      "*S-1-5-32-544:(OI)(CI)F",
      "/T",
    ],
  });
});

Deno.test("the scheduled task runs agent supervise as SYSTEM at boot, restarting on failure", () => {
  const xml = taskXml({
    command: "C:\\Program Files\\Hangar Agent\\agent.exe",
    args: ["supervise", "--install-dir", "C:\\Program Files\\Hangar Agent"],
    workingDir: "C:\\Program Files\\Hangar Agent",
  });
  for (
    const part of [
      "<BootTrigger><Enabled>true</Enabled></BootTrigger>",
      "<UserId>S-1-5-18</UserId>",
      "<RunLevel>HighestAvailable</RunLevel>",
      "<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
      "<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>",
      "<RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>",
      "<DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
      "<Command>C:\\Program Files\\Hangar Agent\\agent.exe</Command>",
      "<Arguments>supervise --install-dir &quot;C:\\Program Files\\Hangar Agent&quot;</Arguments>",
      "<WorkingDirectory>C:\\Program Files\\Hangar Agent</WorkingDirectory>",
    ]
  ) {
    assert.ok(xml.includes(part), `missing ${part}`);
  }
  assert.ok(xml.includes("\r\n"), "CRLF line ends, as Task Scheduler writes them");
});

Deno.test("quoteWindowsArg follows CommandLineToArgvW", async (t) => {
  const cases: [string, string][] = [
    ["plain", "plain"],
    ["", '""'],
    ["C:\\Program Files\\Hangar Agent", '"C:\\Program Files\\Hangar Agent"'],
    ["C:\\dir with space\\", '"C:\\dir with space\\\\"'],
    ['say "hi"', '"say \\"hi\\""'],
  ];
  for (const [arg, quoted] of cases) {
    await t.step(arg || "(empty)", () => assert.equal(quoteWindowsArg(arg), quoted));
  }
});

Deno.test("a process's start time is read with PowerShell in UTC", () => {
  assert.deepEqual(processStartCommand(4242), {
    program: "powershell.exe",
    args: [
      "-NoProfile",
      "-NonInteractive",
      "-Command",
      "(Get-Process -Id 4242).StartTime.ToUniversalTime().ToString('o')",
    ],
  });
});
