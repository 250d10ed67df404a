/**
 * Server configuration, read once from the environment. A bad value throws a
 * ConfigError naming the variable; `main.ts` prints it as one line and exits.
 */
import { join, resolve } from "node:path";
import { parseTrustedKeys, type TrustedKey } from "../package/signature.ts";

export interface Config {
  port: number;
  hostname: string;
  databaseUrl: string | null;
  dataDir: string;
  jwtSecret: string | null;
  adminUsername: string;
  adminPassword: string | null;
  enrollmentToken: string | null;
  packageMaxBytes: number;
  maxConcurrentDownloads: number;
  sessionHours: number;
  /** TRUSTED_KEYS: comma-separated public keys uploads must be signed with; null: no check. */
  trustedKeys: string | null;
  /** The same keys, parsed once here. */
  trustedKeyList: readonly TrustedKey[];
  logRequests: boolean;
  /** AGENT_REPORTS_PER_MINUTE: error reports one agent may send a minute (and at once); more: 429. */
  agentReportsPerMinute: number;
  /** REPORT_STORE_CONCURRENCY: error reports stored at once, server-wide (default 1 embedded, 8 PostgreSQL). */
  reportStoreConcurrency: number;
  /** REPORT_STORE_WAIT_MS: how long a report waits for a slot before 503 `busy` + Retry-After. */
  reportStoreWaitMs: number;
  /** AGENT_DOWNLOAD_LIMIT_KBPS: the download limit of computers without their own; null: none. */
  agentDownloadLimitKbps: number | null;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

function readInt(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function readUrl(env: Record<string, string | undefined>, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === "") return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, "is not a URL (expected postgres://user:pass@host:port/db)");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(
      name,
      `must start with postgres:// or postgresql://, got "${url.protocol}"`,
    );
  }
  return raw;
}

function readKeys(env: Record<string, string | undefined>, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return null;
  const keys = raw.split(",").map((k) => k.trim()).filter((k) => k !== "");
  try {
    parseTrustedKeys(keys);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
  return keys.join(",");
}

/** Shortest ENROLLMENT_TOKEN accepted: it is the only thing between the internet and enrolling. */
export const MIN_ENROLLMENT_TOKEN_LENGTH = 16;
/** Shortest ADMIN_PASSWORD accepted for the first admin. */
export const MIN_ADMIN_PASSWORD_LENGTH = 12;

/**
 * A secret the operator chose: refused at start-up when it is short or made of
 * fewer than 5 distinct characters ("aaaaaaaaaaaaaaaa"), so a weak one cannot
 * go unnoticed. Unset: the server generates a strong one.
 */
function readSecret(
  env: Record<string, string | undefined>,
  name: string,
  minLength: number,
): string | null {
  const raw = env[name];
  if (raw === undefined || raw === "") return null;
  const unset = "or leave it unset to have a strong one generated";
  if (raw.length < minLength) {
    throw new ConfigError(
      name,
      `is too weak: ${raw.length} characters, at least ${minLength} needed (${unset})`,
    );
  }
  if (new Set(raw).size < 5) {
    throw new ConfigError(name, `is too weak: fewer than 5 distinct characters (${unset})`);
  }
  return raw;
}

/** Reads the configuration from `env` (defaults to the process environment). */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const dataDir = resolve(env.DATA_DIR || "./data");
  const packageMaxBytes = readInt(env, "PACKAGE_MAX_BYTES", 1024 ** 3, 1, 2 ** 50);
  const secret = env.JWT_SECRET;
  if (secret !== undefined && secret !== "" && secret.length < 32) {
    throw new ConfigError("JWT_SECRET", "must be at least 32 characters");
  }
  const logRequests = env.LOG_REQUESTS ?? "1";
  const trustedKeys = readKeys(env, "TRUSTED_KEYS");
  return {
    port: readInt(env, "PORT", 8000, 0, 65535),
    hostname: env.HOST || "0.0.0.0",
    databaseUrl: readUrl(env, "DATABASE_URL"),
    dataDir,
    jwtSecret: secret || null,
    adminUsername: env.ADMIN_USERNAME || "admin",
    adminPassword: readSecret(env, "ADMIN_PASSWORD", MIN_ADMIN_PASSWORD_LENGTH),
    enrollmentToken: readSecret(env, "ENROLLMENT_TOKEN", MIN_ENROLLMENT_TOKEN_LENGTH),
    packageMaxBytes,
    maxConcurrentDownloads: readInt(env, "MAX_CONCURRENT_DOWNLOADS", 500, 1, 1_000_000),
    sessionHours: readInt(env, "SESSION_HOURS", 12, 1, 24 * 365),
    trustedKeys,
    trustedKeyList: parseTrustedKeys(trustedKeys ?? ""),
    logRequests: logRequests !== "0" && logRequests !== "false",
    agentReportsPerMinute: readInt(env, "AGENT_REPORTS_PER_MINUTE", 30, 1, 1_000_000),
    // The embedded database runs one statement at a time: one report in it at once.
    reportStoreConcurrency: readInt(
      env,
      "REPORT_STORE_CONCURRENCY",
      readUrl(env, "DATABASE_URL") ? 8 : 1,
      1,
      10_000,
    ),
    reportStoreWaitMs: readInt(env, "REPORT_STORE_WAIT_MS", 5_000, 0, 7_000),
    agentDownloadLimitKbps: env.AGENT_DOWNLOAD_LIMIT_KBPS
      ? readInt(env, "AGENT_DOWNLOAD_LIMIT_KBPS", 0, 1, 10_000_000)
      : null,
  };
}

/** Where uploaded packages live. */
export function packagesDir(config: Config): string {
  return join(config.dataDir, "packages");
}
