/**
 * The agent as a systemd unit (Restart=always). The updater runs in a
 * transient unit of its own (see `updaterCommand`), so stopping the agent's
 * unit cannot take it along: it stops the unit before the swap (which also
 * cancels a pending automatic restart), starts it afterwards, and reads the
 * agent's PID from the unit's MainPID.
 */
import { join } from "node:path";
import { LaunchError, type WatchedAgent } from "../launch.ts";
import { HEALTH_NAME } from "../../package/layout.ts";
import { dataDirOf } from "../../package/data_dir.ts";
import { isPidAlive, sleep } from "../../host/process.ts";
import type { CommandRunner, SupervisorCommand } from "../../host/supervisor.ts";
import type { AgentSupervisor } from "./supervisor.ts";

export function systemctl(action: "start" | "stop", unit: string): SupervisorCommand {
  return { program: "systemctl", args: [action, unit] };
}

export function mainPidCommand(unit: string): SupervisorCommand {
  return { program: "systemctl", args: ["show", "--property=MainPID", "--value", unit] };
}

export function systemdSupervisor(
  installDir: string,
  unit: string,
  run: CommandRunner,
): AgentSupervisor {
  const must = async (command: SupervisorCommand) => {
    const { code, output } = await run(command);
    if (code !== 0) {
      throw new LaunchError(
        `${command.program} ${command.args.join(" ")} failed (exit ${code}): ${output.trim()}`,
      );
    }
    return output;
  };
  const mainPid = async () => Number((await must(mainPidCommand(unit))).trim()) || 0;
  return {
    kind: "systemd",
    hold: async () => {
      await must(systemctl("stop", unit));
    },
    start: async () => {
      await Deno.remove(join(dataDirOf(installDir), HEALTH_NAME)).catch(() => {});
      await must(systemctl("start", unit));
      let pid = 0;
      for (let i = 0; i < 50 && pid === 0; i++) {
        pid = await mainPid();
        if (pid === 0) await sleep(100);
      }
      if (pid === 0) throw new LaunchError(`systemd started ${unit} but it has no main process`);
      return {
        pid,
        isRunning: () => isPidAlive(pid),
        exitDescription: () => `(${unit}) exited`,
      } satisfies WatchedAgent;
    },
    stop: async () => {
      await must(systemctl("stop", unit));
    },
    release: async () => {
      await must(systemctl("start", unit));
    },
  };
}
