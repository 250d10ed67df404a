/**
 * Everything Windows-specific about running the agent, in one place: the
 * Task Scheduler task that starts it at boot (`schtasks` and the task XML),
 * the folder ACLs (`icacls`), how a process's start time is read, and what
 * commonly holds a file a rename needs. Each builder returns the exact
 * program and argument list so tests can check them on any OS; they run
 * through the updater's `runCommand`.
 */
import type { SupervisorCommand } from "../../host/supervisor.ts";

/** A program and its arguments (the one command shape, shared with the updater's supervisors). */
export type WindowsCommand = SupervisorCommand;

/** The name of the scheduled task, under Task Scheduler's root folder. */
const TASK_NAME = "Hangar Agent";

/** The well-known SIDs, so the ACLs also work on non-English Windows. */
const SYSTEM_SID = "*S-1-5-18";
const ADMINISTRATORS_SID = "*S-1-5-32-544";

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** Quotes one argument for a Windows command line (CommandLineToArgvW rules). */
export function quoteWindowsArg(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, "$1$1")}"`;
}

/**
 * The task definition: at boot, as SYSTEM with the highest privileges, no
 * time limit, never a second instance; Task Scheduler restarts it every
 * minute if it fails, as a backstop behind `agent supervise`, which restarts
 * the agent itself within seconds.
 */
export function taskXml(options: { command: string; args: string[]; workingDir: string }): string {
  const args = options.args.map(quoteWindowsArg).join(" ");
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.4" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    "  <RegistrationInfo>",
    "    <Description>Hangar agent: keeps this computer's agent up to date</Description>",
    "  </RegistrationInfo>",
    "  <Triggers>",
    "    <BootTrigger><Enabled>true</Enabled></BootTrigger>",
    "  </Triggers>",
    "  <Principals>",
    '    <Principal id="Author">',
    "      <UserId>S-1-5-18</UserId>",
    "      <RunLevel>HighestAvailable</RunLevel>",
    "    </Principal>",
    "  </Principals>",
    "  <Settings>",
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>",
    "    <StartWhenAvailable>true</StartWhenAvailable>",
    "    <RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>",
    "    <Hidden>true</Hidden>",
    "  </Settings>",
    '  <Actions Context="Author">',
    "    <Exec>",
    `      <Command>${xmlEscape(options.command)}</Command>`,
    `      <Arguments>${xmlEscape(args)}</Arguments>`,
    `      <WorkingDirectory>${xmlEscape(options.workingDir)}</WorkingDirectory>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ].join("\r\n");
}

/** Registers (or replaces) the task from an XML file. */
export function createTaskCommand(xmlPath: string): WindowsCommand {
  return { program: "schtasks", args: ["/Create", "/TN", TASK_NAME, "/XML", xmlPath, "/F"] };
}

export function runTaskCommand(): WindowsCommand {
  return { program: "schtasks", args: ["/Run", "/TN", TASK_NAME] };
}

export function endTaskCommand(): WindowsCommand {
  return { program: "schtasks", args: ["/End", "/TN", TASK_NAME] };
}

export function deleteTaskCommand(): WindowsCommand {
  return { program: "schtasks", args: ["/Delete", "/TN", TASK_NAME, "/F"] };
}

export function queryTaskCommand(): WindowsCommand {
  return { program: "schtasks", args: ["/Query", "/TN", TASK_NAME, "/FO", "LIST", "/V"] };
}

/**
 * Locks a path down to SYSTEM and Administrators (full control), dropping
 * inherited entries such as the Users group's read access; `/T` for a folder's tree.
 */
export function lockDownCommand(path: string, tree: boolean): WindowsCommand {
  return {
    program: "icacls",
    args: [
      path,
      "/inheritance:r",
      "/grant:r",
      `${SYSTEM_SID}:(OI)(CI)F`,
      "/grant:r",
      `${ADMINISTRATORS_SID}:(OI)(CI)F`,
      ...(tree ? ["/T"] : []),
    ],
  };
}

/** Reads a process's start time as an ISO string (UTC). */
export function processStartCommand(pid: number): WindowsCommand {
  return {
    program: "powershell.exe",
    args: [
      "-NoProfile",
      "-NonInteractive",
      "-Command",
      `(Get-Process -Id ${pid}).StartTime.ToUniversalTime().ToString('o')`,
    ],
  };
}

/** The start time of `pid`, read synchronously (the lock is taken before anything else runs). */
export function windowsProcessStartTime(pid: number): Date | null {
  try {
    const command = processStartCommand(pid);
    const out = new Deno.Command(command.program, {
      args: command.args,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const time = Date.parse(new TextDecoder().decode(out.stdout).trim());
    return out.code === 0 && Number.isFinite(time) ? new Date(time) : null;
  } catch {
    return null;
  }
}
