/**
 * Upload progress on stderr: a live one-line bar on a terminal, or a plain log line at a
 * steady interval when stderr is a file or a pipe (CI logs). The formatting functions are
 * pure so they can be tested at a given width and time.
 *
 * @module
 */
import type { ObjectTotals } from "../transfer/events.ts";
import { formatBytes } from "../../backends/units.ts";
import { formatEta, formatRate } from "./format.ts";

/** What the bar and the plain line show. */
export interface ProgressSnapshot {
  doneBytes: number;
  totalBytes: number;
  doneParts: number;
  totalParts: number;
  /** Bytes per second over the recent window; undefined until there is a measurement. */
  rate?: number;
}

/** Whole percent, rounded down so 100% means every byte is done. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** Seconds left at `rate`, or undefined when the rate is unknown or zero. */
export function etaSeconds(snapshot: ProgressSnapshot): number | undefined {
  const left = snapshot.totalBytes - snapshot.doneBytes;
  if (left <= 0) return 0;
  if (!snapshot.rate || snapshot.rate <= 0) return undefined;
  return left / snapshot.rate;
}

/**
 * The live bar, exactly `width - 1` columns wide (the last column is left free so the
 * terminal never wraps), e.g.
 * `[#########.........]  45%  1.13 GiB/2.50 GiB  12.3 MiB/s  ETA 1m05s  45/100 parts`.
 * The bar itself shrinks to fit, and is dropped on very narrow terminals.
 * With `color`, the filled part of the bar is cyan.
 */
export function barLine(snapshot: ProgressSnapshot, width: number, color = false): string {
  const pct = percent(snapshot.doneBytes, snapshot.totalBytes);
  // Every field has a fixed width, so the bar keeps its length as the numbers change.
  const partsWidth = String(snapshot.totalParts).length;
  const stats = [
    `${String(pct).padStart(3)}%`,
    `${formatBytes(snapshot.doneBytes)}/${formatBytes(snapshot.totalBytes)}`.padStart(17),
    formatRate(snapshot.rate).padStart(10),
    `ETA ${etaField(etaSeconds(snapshot))}`,
    `${String(snapshot.doneParts).padStart(partsWidth)}/${snapshot.totalParts} parts`,
  ].join("  ");
  const columns = Math.max(1, width - 1);
  const barWidth = columns - stats.length - 4; // "[", "]", two spaces
  if (barWidth < 10) return fit(stats, columns);
  const filled = Math.floor((barWidth * pct) / 100);
  const head = "#".repeat(filled);
  const rest = ".".repeat(barWidth - filled);
  const bar = color && filled > 0 ? `${CYAN}${head}${RESET}${rest}` : head + rest;
  return `[${bar}]  ${stats}`;
}

/** The ETA in exactly 6 columns: beyond 99 days it says so rather than widening the bar. */
function etaField(seconds: number | undefined): string {
  const text = formatEta(seconds);
  return (text.length > 6 ? ">99d" : text).padEnd(6);
}

const CYAN = "\x1b[36m";
const RESET = "\x1b[0m";

/** Columns `line` takes on screen: its length without the colour codes {@link barLine} adds. */
export function visibleLength(line: string): number {
  return line.split(CYAN).join("").split(RESET).join("").length;
}

function fit(text: string, columns: number): string {
  return text.length <= columns ? text.padEnd(columns) : text.slice(0, columns);
}

/** The periodic plain line for logs, e.g. `Progress: 45% (1.13 GiB of 2.50 GiB), …`. */
export function plainLine(snapshot: ProgressSnapshot): string {
  return `Progress: ${percent(snapshot.doneBytes, snapshot.totalBytes)}% (${
    formatBytes(snapshot.doneBytes)
  } of ${
    formatBytes(snapshot.totalBytes)
  }), ${snapshot.doneParts} of ${snapshot.totalParts} parts, ${formatRate(snapshot.rate)}, ETA ${
    formatEta(etaSeconds(snapshot))
  }.`;
}

/**
 * Transfer rate as a moving average over the last `windowMs`: bytes done since the newest
 * sample at or before the window's start, divided by the time since then. Measured to "now",
 * so the rate falls while nothing completes (a stall shows).
 */
export class RateMeter {
  #samples: Array<{ t: number; bytes: number }> = [];

  constructor(private readonly windowMs = 20_000) {}

  /** Records that `bytes` (a running total) were done at time `t` (ms). */
  add(bytes: number, t: number): void {
    this.#samples.push({ t, bytes });
    // Keep one sample older than the window as the baseline.
    while (this.#samples.length > 2 && this.#samples[1].t <= t - this.windowMs) {
      this.#samples.shift();
    }
  }

  /** Bytes per second at time `now`, or undefined before any progress. */
  rate(now: number): number | undefined {
    const samples = this.#samples;
    if (samples.length < 2) return undefined;
    let base = samples[0];
    for (const sample of samples) {
      if (sample.t <= now - this.windowMs) base = sample;
    }
    const last = samples[samples.length - 1];
    const seconds = (now - base.t) / 1000;
    if (last.bytes <= base.bytes || seconds <= 0) return undefined;
    return (last.bytes - base.bytes) / seconds;
  }
}

/** How progress is shown. */
export type ProgressMode = "bar" | "lines" | "off";

/**
 * The mode for a run: nothing with --quiet or --no-progress, a bar when stderr is a
 * terminal, plain lines otherwise.
 */
export function progressMode(opts: {
  quiet: boolean;
  noProgress: boolean;
  isTerminal: boolean;
}): ProgressMode {
  if (opts.quiet || opts.noProgress) return "off";
  return opts.isTerminal ? "bar" : "lines";
}

/**
 * The display of one upload: part counts and bytes as they leave (fed by the transfer
 * events, see upload_events.ts), and the terminal line it owns: log lines go through
 * {@link log}.
 */
export interface Progress {
  /** The totals are known: the display begins. */
  start(totals: ObjectTotals): void;
  /** A part of `bytes` counts as done. */
  partDone(bytes: number): void;
  /** A part counted as done will be sent again. */
  partLost(bytes: number): void;
  /** Every part is sent: the last line is drawn. */
  finish(): void;
  /** `bytes` more of some part left. */
  bytesSent(bytes: number): void;
  /** A part request ended: withdraw its `sent` bytes; `landed` stays until partDone. */
  requestEnded(sent: number, landed: number): void;
  /** Prints a log line without garbling the bar: clear the line, print, redraw. */
  log(line: string): void;
  /** Stops timers; leaves a visible bar on its own line. Safe to call more than once. */
  close(): void;
}

/** Options of {@link createProgress}; the defaults write to the real stderr. */
export interface ProgressOptions {
  mode: ProgressMode;
  /** Writes raw text to stderr (bar mode). */
  write?: (text: string) => void;
  /** Prints one log line (the logger's info, in lines mode; plain stderr lines otherwise). */
  info?: (message: string) => void;
  /** Terminal width in columns. */
  width?: () => number;
  color?: boolean;
  /** Plain-line interval in lines mode (default 10 s). */
  intervalMs?: number;
  /** Shortest time between two bar redraws (default 100 ms: at most ~10 per second). */
  redrawMs?: number;
  now?: () => number;
}

/** Creates the progress display for one upload run. */
export function createProgress(opts: ProgressOptions): Progress {
  const write = opts.write ?? writeStderr;
  const info = opts.info ?? ((message: string) => write(`${message}\n`));
  const now = opts.now ?? (() => performance.now());
  const width = opts.width ?? terminalWidth;
  const redrawMs = opts.redrawMs ?? 100;
  const intervalMs = opts.intervalMs ?? 10_000;
  const meter = new RateMeter();
  const state: ProgressSnapshot = { doneBytes: 0, totalBytes: 0, doneParts: 0, totalParts: 0 };
  // Bytes of parts in flight (sent so far), and of parts the server took whose journal line
  // is not written yet (partDone moves them into doneBytes).
  let wire = 0;
  let landed = 0;
  let lastSample = -Infinity;
  const shownBytes = () => Math.min(state.totalBytes, state.doneBytes + landed + wire);
  const sample = () => {
    lastSample = now();
    meter.add(shownBytes(), lastSample);
  };
  let started = false;
  let visible = false;
  let lastDraw = -Infinity;
  let lastLength = 0;
  let drawTimer: ReturnType<typeof setTimeout> | undefined;
  let tickTimer: ReturnType<typeof setInterval> | undefined;

  const snapshot = (): ProgressSnapshot => ({
    ...state,
    doneBytes: shownBytes(),
    rate: meter.rate(now()),
  });
  const stopTimers = () => {
    clearTimeout(drawTimer);
    clearInterval(tickTimer);
    drawTimer = tickTimer = undefined;
  };
  const draw = () => {
    clearTimeout(drawTimer);
    drawTimer = undefined;
    lastDraw = now();
    const line = barLine(snapshot(), width(), opts.color ?? false);
    const plainLength = visibleLength(line);
    write(`\r${line}${" ".repeat(Math.max(0, lastLength - plainLength))}`);
    lastLength = plainLength;
    visible = true;
  };
  const scheduleDraw = () => {
    const wait = lastDraw + redrawMs - now();
    if (wait <= 0) draw();
    else drawTimer ??= setTimeout(draw, wait);
  };
  const every = (ms: number, fn: () => void) => {
    const id = setInterval(fn, ms);
    id.unref(); // never keeps the process alive (Deno.unrefTimer ignores Deno 2.9's timer objects)
    return id;
  };

  if (opts.mode === "off") {
    return {
      start() {},
      partDone() {},
      partLost() {},
      finish() {},
      bytesSent() {},
      requestEnded() {},
      log: info,
      close() {},
    };
  }
  return {
    start(totals) {
      Object.assign(state, totals);
      sample();
      started = true;
      if (opts.mode === "bar") {
        draw();
        tickTimer = every(1000, scheduleDraw); // the rate and ETA move even between parts
      } else {
        tickTimer = every(intervalMs, () => info(plainLine(snapshot())));
      }
    },
    partDone(bytes) {
      state.doneBytes += bytes;
      state.doneParts++;
      landed = Math.max(0, landed - bytes);
      sample();
      if (opts.mode === "bar") scheduleDraw();
    },
    bytesSent(bytes) {
      wire += bytes;
      if (!started) return;
      // One rate sample per 100 ms is plenty, however small the slices.
      if (now() - lastSample >= 100) sample();
      if (opts.mode === "bar") scheduleDraw();
    },
    requestEnded(sent, landedBytes) {
      wire = Math.max(0, wire - sent);
      landed += landedBytes;
      if (started && opts.mode === "bar") scheduleDraw();
    },
    partLost(bytes) {
      state.doneBytes -= bytes;
      state.doneParts--;
      if (opts.mode === "bar") scheduleDraw();
    },
    finish() {
      if (!started) return;
      stopTimers();
      if (opts.mode === "bar") {
        draw();
        write("\n");
        visible = false;
      } else {
        info(plainLine(snapshot()));
      }
      started = false;
    },
    log(line) {
      if (!visible) {
        info(line);
        return;
      }
      write(`\r${" ".repeat(lastLength)}\r${line}\n`);
      lastLength = 0;
      visible = false;
      if (started) scheduleDraw(); // still at most one redraw per redrawMs
    },
    close() {
      stopTimers();
      if (visible) write("\n");
      visible = false;
      started = false;
    },
  };
}

const encoder = new TextEncoder();

function writeStderr(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}

function terminalWidth(): number {
  try {
    const { columns } = Deno.consoleSize();
    if (columns > 0) return columns;
  } catch {
    // not a terminal
  }
  const env = Number(Deno.env.get("COLUMNS"));
  return Number.isInteger(env) && env > 0 ? env : 80;
}
/**
 * The plain progress line's interval: 10 s, or S3MPU_PROGRESS_INTERVAL seconds (a decimal,
 * at least 0.05) so tests and short CI jobs can see lines sooner.
 */
export function progressIntervalMs(): number {
  const text = Deno.env.get("S3MPU_PROGRESS_INTERVAL");
  const seconds = text === undefined ? NaN : Number(text);
  return Number.isFinite(seconds) && seconds >= 0.05 ? seconds * 1000 : 10_000;
}
