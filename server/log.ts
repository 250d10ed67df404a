/** Structured logs: one JSON object per line on stdout (errors on stderr). */

export type Fields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

function write(level: string, message: string, fields: Fields | undefined, err: boolean) {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields });
  if (err) console.error(line);
  else console.log(line);
}

/** The logger the server uses in production. */
export const jsonLogger: Logger = {
  info: (m, f) => write("info", m, f, false),
  warn: (m, f) => write("warn", m, f, true),
  error: (m, f) => write("error", m, f, true),
};

/** A logger that drops everything (quiet tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
