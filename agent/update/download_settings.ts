/**
 * The download's retry policy and idle timeout, read from the agent's config,
 * and its bandwidth limit, from `check_update`'s reply.
 */
import type { UpdateInfo } from "../../protocol/mod.ts";
import type { ConfigFile } from "../config.ts";
import type { DownloadOptions } from "../net/download.ts";

/** `download_limit_kbps` counts kilobits per second (1 kbit = 1,000 bits). */
const BYTES_PER_KBIT = 125;

export function downloadSettings(
  config: ConfigFile,
  info: Pick<UpdateInfo, "version"> & { download_limit_kbps?: number | null },
): Pick<DownloadOptions, "policy" | "idleTimeoutMs" | "bytesPerSecond"> {
  const kbps = info.download_limit_kbps;
  return {
    policy: {
      maxIdleAttempts: config.get("download_max_idle_attempts"),
      retryMaxMs: config.get("download_retry_max_s") * 1000,
      deadlineMs: config.get("download_deadline_s") * 1000,
      busyDeadlineMs: config.get("download_busy_deadline_s") * 1000,
    },
    idleTimeoutMs: config.get("download_idle_timeout_s") * 1000,
    ...(kbps && kbps > 0 ? { bytesPerSecond: kbps * BYTES_PER_KBIT } : {}),
  };
}
