/** The download's retry policy and idle timeout, read from the agent's config. */
import type { ConfigManager } from "../config.ts";
import type { DownloadOptions } from "../net/download.ts";

export function downloadSettings(
  config: ConfigManager,
): Pick<DownloadOptions, "policy" | "idleTimeoutMs"> {
  return {
    policy: {
      maxIdleAttempts: config.get("download_max_idle_attempts"),
      retryMaxMs: config.get("download_retry_max_s") * 1000,
      deadlineMs: config.get("download_deadline_s") * 1000,
      busyDeadlineMs: config.get("download_busy_deadline_s") * 1000,
    },
    idleTimeoutMs: config.get("download_idle_timeout_s") * 1000,
  };
}
