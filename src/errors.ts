/**
 * The error types the CLI maps to exit codes. Backends translate vendor errors into
 * {@link BackendError}; the engine turns those into the user-facing errors below.
 */

/** Exit codes from the contract in the design brief. */
export const ExitCode = {
  ok: 0,
  usage: 2,
  resumable: 3,
  needsDecision: 4,
  interrupted: 130,
} as const;

/**
 * Options of a user-facing error. `code` is the stable machine-readable name printed by
 * `--json` (docs/exit-codes.md lists them); each class has a default.
 */
export interface S3mpuErrorOptions extends ErrorOptions {
  code?: string;
}

/** A user-facing failure: a one-line message plus the exit code it maps to. */
export class S3mpuError extends Error {
  /** Stable machine-readable name of the failure, e.g. "credentials_rejected". */
  readonly code: string;
  constructor(
    message: string,
    readonly exitCode: number,
    options?: S3mpuErrorOptions,
    defaultCode = "error",
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = options?.code ?? defaultCode;
  }
}

/** Bad usage or bad input. Nothing was changed (exit 2). */
export class UsageError extends S3mpuError {
  constructor(message: string, options?: S3mpuErrorOptions) {
    super(message, ExitCode.usage, options, "usage");
  }
}

/** Failed, but the state is kept and the same command resumes (exit 3). */
export class ResumableError extends S3mpuError {
  constructor(message: string, options?: S3mpuErrorOptions) {
    super(message, ExitCode.resumable, options, "resumable");
  }
}

/** Needs a decision from the user, usually `--restart` (exit 4). */
export class NeedsDecisionError extends S3mpuError {
  constructor(message: string, options?: S3mpuErrorOptions) {
    super(message, ExitCode.needsDecision, options, "needs_decision");
  }
}

/** Stopped by SIGINT, SIGTERM or SIGHUP; the state is kept (exit 130). */
export class InterruptedError extends S3mpuError {
  constructor(message = "Interrupted; state kept. Run the same command again to resume.") {
    super(message, ExitCode.interrupted, undefined, "interrupted");
  }
}

// The backend error type belongs to the port (backends/); re-exported here so the CLI and
// the engine import every error type from one place.
export { BackendError, type BackendErrorKind } from "../backends/errors.ts";
