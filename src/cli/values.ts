import { UsageError } from "../errors.ts";

// Every unit is a power of 1,024, as in aws-cli's multipart_chunksize and max_bandwidth
// (where "MB" means MiB): users copy these values from their aws-cli config.
const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** How --help explains the units. */
export const SIZE_UNITS_HELP =
  "KB/MB/GB and KiB/MiB/GiB are all powers of 1,024, as in aws-cli (64MB = 64MiB = 67108864)";

/** The range of a byte-size option, for its messages. */
export interface SizeBounds {
  /** The smallest value taken, in bytes (default 1). */
  minBytes?: number;
  /** The largest value taken, in bytes. */
  maxBytes: number;
  /** How the largest value reads in a message, e.g. "5 TiB (the largest S3 object)". */
  maxText: string;
  /** The whole range in words, e.g. "a whole number of bytes from 1 to 5 TiB". */
  rangeText: string;
}

/** S3's largest object, 5 TiB: no byte size of an object or part can exceed it. */
export const OBJECT_SIZE_BOUNDS: SizeBounds = {
  maxBytes: 5 * 1024 ** 4,
  maxText: "5 TiB (the largest S3 object)",
  rangeText: "a whole number of bytes from 1 to 5 TiB (the largest S3 object)",
};

/**
 * Parses a byte size: plain bytes as in the seed (`5242880`), or `16MiB`, `64MB`, `1GiB`,
 * `64M`. KB/MB/GB mean KiB/MiB/GiB, following aws-cli. A negative value gets the option's
 * range (`bounds`), not a syntax lesson.
 */
export function parseByteSize(
  flag: string,
  text: string,
  bounds: SizeBounds = OBJECT_SIZE_BOUNDS,
): number {
  if (/^\s*-/.test(text)) {
    throw new UsageError(`${flag} takes ${bounds.rangeText}; got "${text}".`);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(
      `${flag} takes a size in bytes, such as 16777216, 16MiB or 16MB; got "${text}".`,
    );
  }
  const bytes = Number(match[1]) * unit;
  if (bytes > bounds.maxBytes) {
    throw new UsageError(`${flag} takes at most ${bounds.maxText}; got "${text}".`);
  }
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(`${flag} must be a whole number of bytes above 0; got "${text}".`);
  }
  if (bytes < (bounds.minBytes ?? 1)) {
    throw new UsageError(`${flag} takes ${bounds.rangeText}; got "${text}".`);
  }
  return bytes;
}

/** Parses an integer within [min, max]. */
export function parseIntIn(flag: string, text: string, min: number, max: number): number {
  const value = /^\s*-?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}; got "${text}".`);
  }
  return value;
}

/** Bounds of a duration option, in milliseconds. */
export interface DurationBounds {
  minMs: number;
  maxMs: number;
}

/**
 * Parses a duration: `30s`, `15m`, `24h`, `7d`, or plain seconds, within `bounds` (default
 * 0 to 10 years) so that no value silently turns a safety off.
 */
export function parseDuration(
  flag: string,
  text: string,
  bounds: DurationBounds = { minMs: 0, maxMs: 3650 * 86_400_000 },
): number {
  const range = `${flag} takes a duration from ${formatDuration(bounds.minMs)} to ${
    formatDuration(bounds.maxMs)
  }; got "${text}".`;
  if (/^\s*-/.test(text)) throw new UsageError(range); // a negative duration: say the range
  const match = /^\s*(\d+)\s*(s|m|h|d)?\s*$/i.exec(text);
  if (!match) {
    throw new UsageError(`${flag} takes a duration such as 90s, 30m, 24h or 7d; got "${text}".`);
  }
  const scale = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? "s").toLowerCase() as "s"];
  const ms = Number(match[1]) * scale * 1000;
  if (!Number.isSafeInteger(ms) || ms < bounds.minMs || ms > bounds.maxMs) {
    throw new UsageError(range);
  }
  return ms;
}

/** `90000` → "90s", `3600000` → "1h": the bounds in the units a user types. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s !== 0 && s % 86400 === 0) return `${s / 86400}d`;
  if (s !== 0 && s % 3600 === 0) return `${s / 3600}h`;
  if (s !== 0 && s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/**
 * Checks a bucket name against S3's naming rules before any request, so a typo fails fast
 * with the rule it broke rather than as a signature or DNS error.
 */
export function checkBucketName(name: string): void {
  const problem = name.length < 3 || name.length > 63
    ? "must be 3 to 63 characters long"
    : !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)
    ? "may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit"
    : /\.\./.test(name)
    ? "must not contain two dots in a row"
    : /^\d+\.\d+\.\d+\.\d+$/.test(name)
    ? "must not look like an IP address"
    : undefined;
  if (problem) throw new UsageError(`Bucket name "${name}" ${problem}; check -b.`);
}

/** Checks an object key: present and at most 1,024 bytes of UTF-8. */
export function checkKey(key: string): void {
  if (key.length === 0) throw new UsageError("The key is empty; pass the object's key with -k.");
  if (new TextEncoder().encode(key).length > 1024) {
    throw new UsageError("The key is longer than S3's limit of 1,024 bytes; shorten -k.");
  }
}

/** The range of --limit-rate, in bytes per second. */
export interface RateBounds {
  minBytes: number;
  maxBytes: number;
}

/**
 * Parses a rate in bytes per second: a size as {@link parseByteSize}, with an optional `/s`,
 * within `bounds` (a rate has its own range, not an object's).
 */
export function parseRate(flag: string, text: string, bounds: RateBounds): number {
  return parseByteSize(flag, text.replace(/\/s\s*$/i, ""), {
    minBytes: bounds.minBytes,
    maxBytes: bounds.maxBytes,
    maxText: `${formatBytesPerSecond(bounds.maxBytes)} per second (omit ${flag} for no limit)`,
    rangeText: `a rate from ${formatBytesPerSecond(bounds.minBytes)} to ${
      formatBytesPerSecond(bounds.maxBytes)
    } per second`,
  });
}

/** `8192` → "8KiB", `107374182400` → "100GiB": a bound as a user would type it. */
function formatBytesPerSecond(bytes: number): string {
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}`;
}
