/**
 * The batch runner: many objects under one budget, each ending in its own outcome. `s3mpu
 * upload -f FILE` is a batch of one; a directory tree will stream its walk into the same
 * runner.
 *
 * @module
 */
import { ExitCode, InterruptedError, type S3mpuError } from "../errors.ts";

/** How one task ended: done with its result, or failed with its classified error. */
export type Outcome<T, R> =
  | { task: T; status: "done"; result: R }
  | { task: T; status: "failed"; error: S3mpuError; exitCode: number };

/** What {@link runBatch} needs. */
export interface BatchOptions<T, R> {
  /** The tasks, pulled one at a time as slots free up (a walk may stream them in). */
  tasks: AsyncIterable<T> | Iterable<T>;
  /** Runs one task to its end. Its failure is the task's alone. */
  run(task: T): Promise<R>;
  /** Tasks in flight at once. */
  concurrency: number;
  /**
   * Fires on SIGINT/SIGTERM: no task starts after it. Tasks in flight see the same signal
   * themselves and end within their grace period (each as interrupted, or done).
   */
  stopSignal: AbortSignal;
  /** Turns a task's failure into the user-facing error with its exit code. */
  classify(error: unknown): S3mpuError;
  /** Told of each outcome as it happens (progress, logs). */
  onOutcome?(outcome: Outcome<T, R>): void;
}

/** What a batch did: every outcome in the order they ended, and the batch's exit code. */
export interface BatchReport<T, R> {
  outcomes: Outcome<T, R>[];
  /** See {@link batchExitCode}. */
  exitCode: number;
  /** Whether a stop signal ended the batch before every task ran. */
  interrupted: boolean;
}

/**
 * Runs up to `concurrency` tasks at once until the tasks run out or a stop arrives. One
 * task's failure never stops the others: it becomes that task's outcome.
 */
export async function runBatch<T, R>(opts: BatchOptions<T, R>): Promise<BatchReport<T, R>> {
  const outcomes: Outcome<T, R>[] = [];
  const source = toAsyncIterator(opts.tasks);
  // Async iterators are not safe to advance from several workers at once: one at a time.
  let pulling: Promise<unknown> = Promise.resolve();
  let exhausted = false;
  const next = (): Promise<IteratorResult<T>> => {
    const result = pulling.then(() => source.next());
    pulling = result.catch(() => {});
    return result;
  };
  const worker = async () => {
    while (!opts.stopSignal.aborted && !exhausted) {
      const pulled = await next();
      if (pulled.done) {
        exhausted = true;
        return;
      }
      if (opts.stopSignal.aborted) return;
      const outcome = await settle(opts, pulled.value);
      outcomes.push(outcome);
      opts.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  const interrupted = opts.stopSignal.aborted && !exhausted;
  return { outcomes, exitCode: batchExitCode(outcomes, interrupted), interrupted };
}

async function settle<T, R>(opts: BatchOptions<T, R>, task: T): Promise<Outcome<T, R>> {
  try {
    return { task, status: "done", result: await opts.run(task) };
  } catch (raw) {
    const error = opts.stopSignal.aborted && !isFinal(raw)
      ? new InterruptedError()
      : opts.classify(raw);
    return { task, status: "failed", error, exitCode: error.exitCode };
  }
}

/** An error that stands even after a stop: a classified one (the task said what happened). */
function isFinal(error: unknown): boolean {
  return typeof (error as S3mpuError)?.exitCode === "number";
}

/**
 * The exit code of a batch, the most urgent of its outcomes first:
 *
 * 1. 130 when a stop signal ended it, or a task was interrupted (state kept; run again).
 * 2. 2 when any task needs the command or setup to change: re-running it as it is would
 *    fail the same way, so that comes first.
 * 3. 3 when any task can succeed by re-running unchanged (the re-run resumes the rest too).
 * 4. 4 when any task needs a decision (source changed, upload gone: `--restart`).
 * 5. 0 when every task is done; any other code a task ended with comes after 4.
 */
export function batchExitCode(outcomes: Outcome<unknown, unknown>[], interrupted: boolean): number {
  const codes = new Set(outcomes.flatMap((o) => o.status === "failed" ? [o.exitCode] : []));
  return mostUrgentExit(codes, interrupted);
}

/** The most urgent of the exit codes `codes` of failed tasks; see {@link batchExitCode}. */
export function mostUrgentExit(codes: ReadonlySet<number>, interrupted: boolean): number {
  if (interrupted || codes.has(ExitCode.interrupted)) return ExitCode.interrupted;
  for (const code of [ExitCode.usage, ExitCode.resumable, ExitCode.needsDecision]) {
    if (codes.has(code)) return code;
  }
  return codes.size > 0 ? Math.max(...codes) : ExitCode.ok;
}

function toAsyncIterator<T>(tasks: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in tasks) return tasks[Symbol.asyncIterator]();
  const it = tasks[Symbol.iterator]();
  return { next: () => Promise.resolve(it.next()) };
}
