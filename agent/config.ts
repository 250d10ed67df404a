/**
 * The agent's configuration, `config/config.json` under the data dir.
 * Writes are atomic, unknown keys are kept, and a missing or corrupt file
 * raises a ConfigError that tells the user how to enroll.
 */
import { dirname, join } from "node:path";
import { z } from "zod";
import { readTextIfExists, writeJsonAtomic } from "./atomic_file.ts";
import { CONFIG_DIR, dataDirOf } from "../package/mod.ts";
import { CONFIG_FILE_MODE, protectConfigDir } from "./service/config_permissions.ts";

export const AgentConfig = z.looseObject({
  server_url: z.url({ protocol: /^https?$/ }),
  agent_id: z.string().min(1),
  agent_token: z.string().min(1),
  /** The version that last ran here; reconciled with VERSION at start. */
  current_version: z.string().optional(),
  /** Seconds between periodic update checks (jittered by ±10%). */
  check_interval_s: z.number().positive().default(3600),
  /** Listen for pushed update notices; false means poll only. */
  ws_enabled: z.boolean().default(true),
  /** Cap of the WebSocket reconnect backoff, in seconds. */
  ws_reconnect_max_s: z.number().positive().default(60),
  /** Cap of the retry backoff for undelivered error reports and failed checks, in seconds. */
  retry_max_s: z.number().positive().default(300),
  /**
   * A version whose update failed here is held back this long after its first
   * failure, twice as long after each further one, up to `failed_version_retry_max_s`.
   */
  failed_version_retry_s: z.number().nonnegative().default(3600),
  failed_version_retry_max_s: z.number().nonnegative().default(24 * 3600),
  /** A download gives up after this many attempts in a row that received nothing. */
  download_max_idle_attempts: z.number().int().min(1).default(10),
  /** Cap of the backoff between download attempts that received nothing, in seconds. */
  download_retry_max_s: z.number().positive().default(300),
  /** A download gives up this long after it began (kept across restarts), in seconds. */
  download_deadline_s: z.number().positive().default(24 * 3600),
  /** A download gives up after the server answered only 503/429 for this long, in seconds. */
  download_busy_deadline_s: z.number().positive().default(3600),
  /** A download that receives nothing for this long is dropped and resumed, in seconds. */
  download_idle_timeout_s: z.number().positive().default(60),
  /**
   * No longer read: an update's need for free space comes from its manifest
   * (package/space.ts). Kept so config files that set it stay valid.
   */
  min_free_space_factor: z.number().positive().default(3),
  /** Most error reports kept while the server cannot be reached. */
  outbox_max_reports: z.number().int().min(10).default(1000),
  /** Size at which logs/agent.log is rotated. */
  log_max_bytes: z.number().int().min(1024).default(5 * 1024 * 1024),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** In the data folder (package/data_dir.ts), which is the install dir unless `agent install` split them. */
export function configPath(installDir: string): string {
  return join(dataDirOf(installDir), CONFIG_DIR, "config.json");
}

function enrollHint(installDir: string): string {
  return `Enroll this agent first: agent enroll --server URL --token TOKEN --install-dir ${installDir}`;
}

export class ConfigFile {
  readonly path: string;
  #raw: Record<string, unknown>;
  #config: AgentConfig;

  private constructor(path: string, raw: Record<string, unknown>, config: AgentConfig) {
    this.path = path;
    this.#raw = raw;
    this.#config = config;
  }

  /** Reads and validates the config of `installDir`. */
  static async load(installDir: string): Promise<ConfigFile> {
    const path = configPath(installDir);
    const text = await readTextIfExists(path);
    if (text === null) throw new ConfigError(`No config at ${path}. ${enrollHint(installDir)}`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(
        `Config at ${path} is not valid JSON (${(error as Error).message}). ${
          enrollHint(installDir)
        }`,
      );
    }
    const parsed = AgentConfig.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      throw new ConfigError(
        `Config at ${path} is invalid (${problems.join("; ")}). ${enrollHint(installDir)}`,
      );
    }
    return new ConfigFile(path, raw as Record<string, unknown>, parsed.data);
  }

  /** Writes a new config for `installDir`, replacing any old one atomically. */
  static async create(
    installDir: string,
    values: z.input<typeof AgentConfig>,
  ): Promise<ConfigFile> {
    const config = AgentConfig.parse(values);
    const path = configPath(installDir);
    await writeJsonAtomic(path, values, { mode: CONFIG_FILE_MODE });
    await protectConfigDir(dirname(path));
    return new ConfigFile(path, { ...values }, config);
  }

  get config(): AgentConfig {
    return this.#config;
  }

  get<K extends keyof AgentConfig>(key: K): AgentConfig[K] {
    return this.#config[key];
  }

  /** Sets one key and saves the file atomically; the old file stays if the write fails. */
  async set(key: string, value: unknown): Promise<void> {
    const raw = { ...this.#raw, [key]: value };
    const config = AgentConfig.parse(raw);
    await writeJsonAtomic(this.path, raw, { mode: CONFIG_FILE_MODE });
    this.#raw = raw;
    this.#config = config;
  }
}
