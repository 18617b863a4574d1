/** Bytes in a kibibyte. */
export const KiB = 1024;

/** Bytes in a mebibyte: the unit of every part size and limit. */
export const MiB = 1024 * KiB;

/** Bytes in a gibibyte. */
export const GiB = 1024 * MiB;

/** Bytes in a tebibyte. */
export const TiB = 1024 * GiB;

const LIVE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
const BINARY_UNITS: [string, number][] = [["TiB", TiB], ["GiB", GiB], ["MiB", MiB], ["KiB", KiB]];
const DECIMAL_UNITS: [string, number][] = [["TB", 1e12], ["GB", 1e9], ["MB", 1e6], ["kB", 1e3]];

/**
 * A size for people, in one of two styles.
 *
 * "live" (progress, logs, status): the binary unit that keeps the number below 1000, with
 * three significant digits, so a bar keeps its width. "exact" (the provider table, the
 * GitHub step summary): the largest binary or decimal unit that divides the size exactly,
 * else the largest binary unit that fits, to 3 decimals.
 *
 * @example
 * ```ts
 * formatBytes(1536); // "1.50 KiB"
 * formatBytes(12_000_000); // "11.4 MiB"
 * formatBytes(5 * MiB, "exact"); // "5 MiB"
 * formatBytes(5_000_000_000, "exact"); // "5 GB"
 * ```
 */
export function formatBytes(bytes: number, style: "live" | "exact" = "live"): string {
  return style === "exact" ? exactSize(bytes) : liveSize(bytes);
}

function liveSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "? B";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < LIVE_UNITS.length - 1) {
    value /= KiB;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${LIVE_UNITS[unit]}`;
}

function exactSize(bytes: number): string {
  const exact = [...BINARY_UNITS, ...DECIMAL_UNITS]
    .filter(([, size]) => bytes >= size && bytes % size === 0)
    .sort(([, a], [, b]) => b - a)[0];
  if (exact) return `${bytes / exact[1]} ${exact[0]}`;
  for (const [unit, size] of BINARY_UNITS) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(3))} ${unit}`;
  }
  return `${bytes} B`;
}
