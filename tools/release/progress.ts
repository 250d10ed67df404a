/**
 * Upload progress: a redrawn bar on a terminal, a few plain lines otherwise
 * (CI logs and pipes should not fill with carriage returns).
 */
export interface Progress {
  /** Records that `done` of the total bytes are through. */
  update(done: number): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  terminal: boolean;
  write: (text: string) => void;
  /** Milliseconds since some origin; injectable so the rate can be tested. */
  now?: () => number;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;
const PLAIN_STEP = 25;

/** `1.2 MB`, `340 KB`, `12 B`: sizes as people read them (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function percentOf(done: number, total: number): number {
  return total === 0 ? 100 : Math.min(100, Math.floor((done / total) * 100));
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let done = 0;
  let lastDraw = -Infinity;
  let lastPlain = 0;

  const rate = () => {
    const seconds = (now() - started) / 1000;
    return seconds > 0 ? `${formatBytes(done / seconds)}/s` : "";
  };

  const draw = () => {
    const percent = percentOf(done, options.total);
    const filled = Math.round((percent / 100) * BAR_WIDTH);
    const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    const sizes = `${formatBytes(done)}/${formatBytes(options.total)}`;
    options.write(`\r${options.label} [${bar}] ${String(percent).padStart(3)}% ${sizes} ${rate()}`);
  };

  return {
    update(value) {
      done = value;
      if (options.terminal) {
        if (now() - lastDraw < REDRAW_MS) return;
        lastDraw = now();
        draw();
        return;
      }
      const percent = percentOf(done, options.total);
      const step = Math.floor(percent / PLAIN_STEP) * PLAIN_STEP;
      if (step > lastPlain && step < 100) {
        lastPlain = step;
        options.write(
          `${options.label}: ${step}% (${formatBytes(done)} of ${formatBytes(options.total)})\n`,
        );
      }
    },
    finish() {
      if (options.terminal) {
        draw();
        options.write("\n");
      } else {
        const speed = rate();
        options.write(
          `${options.label}: 100% (${formatBytes(done)}${speed ? `, ${speed}` : ""})\n`,
        );
      }
    },
  };
}
