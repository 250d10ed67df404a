/**
 * One real agent for the update scenario, installed the way an operator would:
 * unzip a portable package built by the release tool, `agent enroll`, then
 * `agent run` as a child process. After an update the running agent is a
 * process the updater started; `stop` finds every process whose command line
 * names the install dir and stops it by PID.
 */
import { join } from "node:path";
import { installAgentPackage, stopProcessesNaming } from "../process.ts";

export class AgentInstall {
  #first: Deno.ChildProcess | null = null;

  private constructor(readonly dir: string, readonly env: Record<string, string>) {}

  /** Unzips `zipPath` into a new temp dir and enrolls it with the server at `url`. */
  static async create(
    zipPath: string,
    url: string,
    enrollmentToken: string,
  ): Promise<AgentInstall> {
    const { dir, env } = await installAgentPackage({
      zipPath,
      url,
      enrollmentToken,
      prefix: "hangar-bench-agent-",
    });
    return new AgentInstall(dir, env);
  }

  async agentId(): Promise<string> {
    return JSON.parse(await Deno.readTextFile(join(this.dir, "config", "config.json"))).agent_id;
  }

  start(): void {
    this.#first = new Deno.Command(join(this.dir, "agent"), {
      args: ["run"],
      env: this.env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  }

  /** The version in `agent_health.json` (written once the agent is up and authenticated). */
  async healthVersion(): Promise<string | null> {
    try {
      return JSON.parse(await Deno.readTextFile(join(this.dir, "agent_health.json"))).version;
    } catch {
      return null;
    }
  }

  logs(): Promise<string> {
    const read = (name: string) =>
      Deno.readTextFile(join(this.dir, "logs", name)).catch(() => "(none)");
    return Promise.all([read("agent.log"), read("updater.log")])
      .then(([agent, updater]) => `--- agent.log\n${agent}\n--- updater.log\n${updater}`);
  }

  /** Stops every process of this install (SIGTERM, then SIGKILL after 5 s) and removes it. */
  async stop(): Promise<void> {
    await stopProcessesNaming(this.dir);
    if (this.#first) await this.#first.status;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
