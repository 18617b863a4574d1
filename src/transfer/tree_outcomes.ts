/**
 * What a tree upload did, counted as it happens: files sent and their bytes, failures (the
 * first 100 kept with their reason), entries the walk left out, and the exit code the worst
 * of them calls for (batch_runner.ts's order: 130, then 2, 3, 4).
 *
 * @module
 */
import { mostUrgentExit } from "./batch_runner.ts";

/** One failure of a tree upload, as `--json` lists it. */
export interface FileFailure {
  path: string;
  code: string;
  exitCode: number;
  message: string;
}

/** The failures kept in full; beyond it they are only counted. */
export const FAILURES_KEPT = 100;

/** Counts of a tree upload's outcomes. */
export class TreeOutcomes {
  /** Files stored by this run. */
  uploaded = 0;
  /** Their bytes. */
  uploadedBytes = 0;
  /** Files handed out to upload (the walk's new, changed and unfinished files so far). */
  found = 0;
  /** Their bytes. */
  foundBytes = 0;
  /** Files left because their key already holds an object (--no-clobber). */
  exists = 0;
  /** Files that failed (in the walk or their upload). */
  failed = 0;
  /** Entries the walk left out by design (links, FIFOs...), by reason. */
  readonly left: Record<string, number> = {};
  readonly failures: FileFailure[] = [];
  readonly #codes = new Set<number>();

  /** Records a failure of `path`. */
  fail(failure: FileFailure): void {
    this.failed++;
    this.#codes.add(failure.exitCode);
    if (this.failures.length < FAILURES_KEPT) this.failures.push(failure);
  }

  /** Counts an entry left out by design. */
  leaveOut(reason: string): void {
    this.left[reason] = (this.left[reason] ?? 0) + 1;
  }

  /** The run's exit code: 0 when nothing failed and nothing stopped it. */
  exitCode(interrupted: boolean): number {
    return mostUrgentExit(this.#codes, interrupted);
  }
}
