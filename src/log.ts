/** How much the CLI says on stderr. */
export type LogLevel = "quiet" | "normal" | "verbose" | "debug";

const RANK: Record<LogLevel, number> = { quiet: 0, normal: 1, verbose: 2, debug: 3 };

/** Timestamped log lines on stderr, in the seed's spirit: `[2026-11-24 17:10:18.707 INFO] …`. */
export interface Logger {
  readonly level: LogLevel;
  info(message: string): void;
  warn(message: string): void;
  verbose(message: string): void;
  debug(message: string): void;
  /** Errors always print, even with --quiet. */
  error(message: string): void;
}

/** A logger writing to `sink` (stderr by default). */
export function createLogger(
  level: LogLevel,
  sink: (line: string) => void = (line) => console.error(line),
): Logger {
  const emit = (min: LogLevel, tag: string, message: string) => {
    if (RANK[level] >= RANK[min]) sink(`[${timestamp()} ${tag}] ${message}`);
  };
  return {
    level,
    info: (m) => emit("normal", "INFO", m),
    warn: (m) => emit("normal", "WARN", m),
    verbose: (m) => emit("verbose", "INFO", m),
    debug: (m) => emit("debug", "DEBUG", m),
    error: (m) => sink(`[${timestamp()} ERROR] ${m}`),
  };
}

/** A logger that keeps lines in memory, for tests. */
export function memoryLogger(level: LogLevel = "debug"): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger(level, (line) => lines.push(line)), { lines });
}

function timestamp(): string {
  const d = new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
