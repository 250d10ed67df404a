/**
 * The updater's log, `<log-dir>/updater.log`. Every line is appended with a
 * synchronous write so that a killed updater (power loss, SIGKILL) still leaves
 * every step it finished on disk.
 */
import { join } from "node:path";

const LOG_NAME = "updater.log";

export class UpdateLog {
  readonly path: string;
  #encoder = new TextEncoder();

  private constructor(path: string) {
    this.path = path;
  }

  /** Opens (creating the folder if needed) the log in `logDir`. */
  static async open(logDir: string): Promise<UpdateLog> {
    await Deno.mkdir(logDir, { recursive: true });
    return new UpdateLog(join(logDir, LOG_NAME));
  }

  info(message: string): void {
    this.#write("INFO", message);
  }

  warn(message: string): void {
    this.#write("WARN", message);
  }

  error(message: string): void {
    this.#write("ERROR", message);
  }

  /**
   * Runs one numbered step, logging its start, its duration and how it ended.
   * `label` reads like "Step 3/6 backup".
   */
  async step<T>(label: string, detail: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    this.info(`${label}: begin — ${detail}`);
    try {
      const value = await run();
      this.info(`${label}: done in ${elapsed(started)}`);
      return value;
    } catch (err) {
      this.error(`${label}: failed after ${elapsed(started)} — ${describeError(err)}`);
      throw err;
    }
  }

  #write(level: string, message: string): void {
    const line = `${new Date().toISOString()} ${level} [pid ${Deno.pid}] ${message}\n`;
    Deno.writeFileSync(this.path, this.#encoder.encode(line), { append: true });
    try {
      console.error(line.trimEnd());
    } catch {
      // A detached updater may have no usable stderr; the file above is the record.
    }
  }
}

function elapsed(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}

/** An error's message, or the value itself for anything thrown that is not an Error. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
