/**
 * The Linux service: a systemd unit that runs `agent run` as root at boot and
 * restarts it whenever it exits (Restart=always). HANGAR_SUPERVISOR=systemd
 * tells the agent and its updater that systemd starts the agent (see
 * updater/supervisor/systemd.ts).
 */
import { DEFAULT_SYSTEMD_UNIT } from "../../host/supervisor.ts";

export const UNIT_NAME = DEFAULT_SYSTEMD_UNIT;
export const UNIT_DIR = "/etc/systemd/system";

/** Quotes a word for a unit file's ExecStart/Environment (and escapes systemd's `%` specifiers). */
export function systemdQuote(word: string): string {
  const escaped = word.replace(/%/g, "%%");
  return /[\s"'\\]/.test(escaped) || escaped === ""
    ? `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`
    : escaped;
}

export interface UnitOptions {
  installDir: string;
  /** The agent executable (or the portable package's launcher). */
  agent: string;
  /** More environment, e.g. HANGAR_DENO for a portable package. */
  env?: Record<string, string>;
}

export function unitFile(options: UnitOptions): string {
  // DENO_TLS_CA_STORE: trust the system's CA bundle (a company CA) besides Deno's own roots.
  const env = {
    HANGAR_SUPERVISOR: "systemd",
    DENO_TLS_CA_STORE: "system,mozilla",
    ...options.env,
  };
  return [
    "[Unit]",
    "Description=Hangar agent (keeps this computer's agent up to date)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${
      [options.agent, "run", "--install-dir", options.installDir].map(systemdQuote).join(" ")
    }`,
    `WorkingDirectory=${systemdQuote(options.installDir)}`,
    ...Object.entries(env).map(([k, v]) => `Environment=${systemdQuote(`${k}=${v}`)}`),
    "Restart=always",
    "RestartSec=5",
    // A graceful stop closes the WebSocket and flushes the report buffer.
    "KillSignal=SIGTERM",
    "TimeoutStopSec=30",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
