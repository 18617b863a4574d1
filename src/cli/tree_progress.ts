/**
 * A tree upload's progress on stderr: files and bytes done of the total found so far (marked
 * "counting" while the walk runs), the rate, and the failures; a live line on a terminal, a
 * plain line at a steady interval otherwise. `-v` names each file as it starts.
 *
 * @module
 */
import { formatBytes } from "../../backends/units.ts";
import type { TransferEvents } from "../transfer/events.ts";
import type { TreeOutcomes } from "../transfer/tree_outcomes.ts";
import type { TreeEvents } from "../transfer/tree_upload.ts";
import type { Logger } from "../log.ts";
import { formatEta, formatRate } from "./format.ts";
import { type ProgressMode, RateMeter } from "./progress.ts";

/** What the line shows, at one moment. */
export interface TreeSnapshot {
  doneFiles: number;
  totalFiles: number;
  doneBytes: number;
  totalBytes: number;
  counting: boolean;
  failed: number;
  rate?: number;
}

/** The progress line, e.g. `Progress: 120 of 450+ files (still counting), 3.1 MiB of 9 MiB+, …`. */
export function treeLine(s: TreeSnapshot): string {
  const more = s.counting ? "+" : "";
  const eta = s.counting || !s.rate
    ? ""
    : `, ETA ${formatEta((s.totalBytes - s.doneBytes) / s.rate)}`;
  return `Progress: ${s.doneFiles} of ${s.totalFiles}${more} files${
    s.counting ? " (still counting)" : ""
  }, ${formatBytes(s.doneBytes)} of ${formatBytes(s.totalBytes)}${more}, ${
    formatRate(s.rate)
  }${eta}${s.failed > 0 ? `, ${s.failed} failed` : ""}.`;
}

/** The display of a tree upload: its events feed the line. Close it when the run ends. */
export class TreeProgress implements TreeEvents {
  readonly #outcomes: TreeOutcomes;
  readonly #mode: ProgressMode;
  readonly #logger: Logger;
  readonly #meter = new RateMeter(10_000);
  /** Bytes of parts done, of large files still in flight, by path. */
  readonly #partial = new Map<string, number>();
  #partialBytes = 0;
  #counting = true;
  #timer: ReturnType<typeof setInterval> | undefined;
  #drawn = false;

  constructor(
    opts: { outcomes: TreeOutcomes; mode: ProgressMode; logger: Logger; intervalMs: number },
  ) {
    this.#outcomes = opts.outcomes;
    this.#mode = opts.mode;
    this.#logger = opts.logger;
    if (opts.mode === "off") return;
    const every = opts.mode === "bar" ? 250 : opts.intervalMs;
    this.#timer = setInterval(() => this.#show(), every);
  }

  walkDone(): void {
    this.#counting = false;
  }

  started(item: { relPath: string; size: number }): TransferEvents | undefined {
    this.#logger.verbose(`Uploading ${JSON.stringify(item.relPath)} (${item.size} bytes).`);
    return {
      partDone: (part) => {
        this.#partial.set(item.relPath, (this.#partial.get(item.relPath) ?? 0) + part.size);
        this.#partialBytes += part.size;
      },
    };
  }

  ended(item: { relPath: string }): void {
    this.#partialBytes -= this.#partial.get(item.relPath) ?? 0;
    this.#partial.delete(item.relPath);
  }

  /** A log line, printed around the live line. */
  log(line: string): void {
    if (this.#drawn) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
    console.error(line);
    if (this.#drawn) this.#draw();
  }

  /** Stops the display; a live line is left on its own line. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#drawn) {
      this.#draw();
      Deno.stderr.writeSync(new TextEncoder().encode("\n"));
      this.#drawn = false;
    }
  }

  snapshot(now = performance.now()): TreeSnapshot {
    const o = this.#outcomes;
    const doneBytes = o.uploadedBytes + this.#partialBytes;
    this.#meter.add(doneBytes, now);
    return {
      doneFiles: o.uploaded + o.failed + o.exists,
      totalFiles: o.found,
      doneBytes,
      totalBytes: o.foundBytes,
      counting: this.#counting,
      failed: o.failed,
      rate: this.#meter.rate(now),
    };
  }

  #show(): void {
    if (this.#mode === "bar") this.#draw();
    else this.#logger.info(treeLine(this.snapshot()));
  }

  #draw(): void {
    const columns = (() => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 100;
      }
    })();
    const line = treeLine(this.snapshot()).slice(0, Math.max(1, columns - 1));
    Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${line}`));
    this.#drawn = true;
  }
}
