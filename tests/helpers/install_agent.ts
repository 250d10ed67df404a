/**
 * Installs an agent from a real package zip the way an operator would, for
 * the end-to-end tests: unzip into a temp install dir, mark the manifest's
 * launchers executable, `agent enroll`, then `agent run` as a child process.
 * Starts: the agent launcher (a shell script that execs deno). After an update
 * the running agent is another process, started by the updater; cleanup finds
 * every process whose command line names the install dir and stops it by PID.
 */
import { join } from "node:path";
import {
  installAgentPackage,
  isAlive,
  processesNaming,
  stopProcessesNaming,
} from "../../tools/process.ts";
import { listComputers, type TestServer } from "./server_process.ts";

export interface Health {
  version: string;
  pid: number;
  time: string;
}

export interface InstallOptions {
  /** Extra environment for every agent process (the updater and later agents inherit it). */
  env?: Record<string, string>;
  /** Config keys written after enrollment, as an operator would tune them. */
  config?: Record<string, unknown>;
  /** Where the install's temp dir is made (a small file system, say); default: the system's. */
  parentDir?: string;
  /** The computer group to enroll in (`agent enroll --group`). */
  group?: string;
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return null; // missing, or caught mid-write by a non-atomic writer
  }
}

export class AgentInstall {
  #first: Deno.ChildProcess | null = null;
  /** Agents started by an earlier `start()` (a test that kills and restarts the agent). */
  #earlier: Deno.ChildProcess[] = [];
  #output = "";

  private constructor(
    readonly dir: string,
    readonly env: Record<string, string>,
    readonly agentId: string,
    readonly computerId: string,
  ) {}

  /** Unzips `zipPath` into a new temp dir and enrolls it with `server`. */
  static async create(
    zipPath: string,
    server: TestServer,
    options: InstallOptions = {},
  ): Promise<AgentInstall> {
    const { dir, env } = await installAgentPackage({
      zipPath,
      url: server.url,
      enrollmentToken: server.enrollmentToken,
      group: options.group,
      prefix: "hangar-install-",
      parentDir: options.parentDir,
      env: options.env,
    });
    const configPath = join(dir, "config", "config.json");
    const config = JSON.parse(await Deno.readTextFile(configPath));
    await Deno.writeTextFile(configPath, JSON.stringify({ ...config, ...options.config }, null, 2));
    const computer = (await listComputers(server)).find((c) => c.agent_id === config.agent_id);
    if (!computer) throw new Error(`The enrolled agent ${config.agent_id} is not listed`);
    return new AgentInstall(dir, env, config.agent_id, computer.id);
  }

  get launcher(): string {
    return join(this.dir, "agent");
  }

  /** Starts `agent run` from the install dir's launcher (defaults to the install dir). */
  start(): void {
    if (this.#first) this.#earlier.push(this.#first);
    this.#first = new Deno.Command(this.launcher, {
      args: ["run"],
      env: this.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    for (const stream of [this.#first.stdout, this.#first.stderr]) {
      stream.pipeTo(new WritableStream({ write: (c) => void (this.#output += decoder.decode(c)) }))
        .catch(() => {});
    }
  }

  /** The PID of the agent this helper started (an updated agent has another). */
  get firstPid(): number | undefined {
    return this.#first?.pid;
  }

  health(): Promise<Health | null> {
    return readJson<Health>(join(this.dir, "agent_health.json"));
  }

  /** The health file when it names `version` and a live PID; else undefined (for waitFor). */
  async healthyAt(version: string): Promise<Health | undefined> {
    const health = await this.health();
    return health?.version === version && isAlive(health.pid) ? health : undefined;
  }

  async config(): Promise<Record<string, unknown>> {
    return JSON.parse(await Deno.readTextFile(join(this.dir, "config", "config.json")));
  }

  async exists(name: string): Promise<boolean> {
    return await Deno.stat(join(this.dir, name)).then(() => true, () => false);
  }

  /** What `<install>/agent --version` prints. */
  async cliVersion(): Promise<string> {
    const out = await new Deno.Command(this.launcher, {
      args: ["--version"],
      env: this.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout).trim();
  }

  /** The agent and updater logs and the first agent's output, for failure messages. */
  async logs(): Promise<string> {
    const read = (name: string) =>
      Deno.readTextFile(join(this.dir, "logs", name)).catch(() => "(none)");
    return `--- agent.log\n${await read("agent.log")}\n--- updater.log\n${await read(
      "updater.log",
    )}\n--- first agent output\n${this.#output}`;
  }

  async agentLog(): Promise<string> {
    return await Deno.readTextFile(join(this.dir, "logs", "agent.log")).catch(() => "");
  }

  /** PIDs of live processes whose command line names this install dir (agents, updaters). */
  processes(): number[] {
    return processesNaming(this.dir);
  }

  /** Stops every process of this install (SIGTERM, then SIGKILL after 5 s) and removes it. */
  async cleanup(): Promise<void> {
    await stopProcessesNaming(this.dir);
    for (const child of [...this.#earlier, this.#first]) await child?.status;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
