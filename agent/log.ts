/**
 * The agent's log: one line per event in `logs/agent.log`, written
 * synchronously (a crash loses nothing already logged), rotated by size into
 * `agent.log.1`, `agent.log.2`, ... A line reads
 * `2026-11-26T10:00:00.000Z INFO message {"field":"value"}`.
 */
import { join } from "node:path";

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";
export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  /** The folder that holds the log files; created when missing. */
  dir: string;
  /** The log file's name. */
  name?: string;
  /** Rotate once the file grows past this many bytes. */
  maxBytes?: number;
  /** How many rotated files to keep beside the current one. */
  keep?: number;
  /** Also print each line to stderr (for a person watching a terminal). */
  echo?: boolean;
}

export class Logger {
  readonly path: string;
  #file: Deno.FsFile | null;
  #size: number;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #echo: boolean;
  readonly #encoder = new TextEncoder();

  constructor(options: LoggerOptions) {
    Deno.mkdirSync(options.dir, { recursive: true });
    this.path = join(options.dir, options.name ?? "agent.log");
    this.#maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.#keep = options.keep ?? 3;
    this.#echo = options.echo ?? false;
    this.#file = Deno.openSync(this.path, { append: true, create: true });
    this.#size = this.#file.statSync().size;
  }

  debug(message: string, fields?: LogFields): void {
    this.write("DEBUG", message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.write("INFO", message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.write("WARN", message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.write("ERROR", message, fields);
  }

  write(level: LogLevel, message: string, fields?: LogFields): void {
    const suffix = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : "";
    const line = `${new Date().toISOString()} ${level} ${message}${suffix}\n`;
    if (this.#echo) console.error(line.trimEnd());
    if (!this.#file) return;
    const data = this.#encoder.encode(line);
    let written = 0;
    while (written < data.length) written += this.#file.writeSync(data.subarray(written));
    this.#size += data.length;
    if (this.#size > this.#maxBytes) this.#rotate();
  }

  /** Flushes the file to disk and closes it; later lines go to stderr only if echoing. */
  close(): void {
    if (!this.#file) return;
    this.#file.syncSync();
    this.#file.close();
    this.#file = null;
  }

  #rotate(): void {
    this.#file?.close();
    for (let i = this.#keep; i >= 1; i--) {
      const from = i === 1 ? this.path : `${this.path}.${i - 1}`;
      try {
        Deno.renameSync(from, `${this.path}.${i}`);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    this.#file = Deno.openSync(this.path, { append: true, create: true });
    this.#size = 0;
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v) => v instanceof Error ? v.message : v);
  } catch {
    return String(value);
  }
}
