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

/**
 * What kind of backend failure this is. The engine decides on the kind alone, so
 * adapters must classify every vendor error into one of these.
 */
export type BackendErrorKind =
  /** Transient: connection reset, timeout, 5xx. Retry with backoff. */
  | "retryable"
  /** The server asked us to slow down (503 SlowDown, 429). Retry, honouring retryAfterMs. */
  | "throttled"
  /**
   * Credentials rejected: wrong key or secret (InvalidAccessKeyId, SignatureDoesNotMatch),
   * no permission (AccessDenied, 403). The user must change something (exit 2).
   */
  | "auth"
  /**
   * Temporary credentials ran out (ExpiredToken, an expired SSO session). Logging in again
   * and re-running the same command succeeds (exit 3).
   */
  | "auth_expired"
  /** No credentials could be found (empty credential chain, unknown profile): exit 2. */
  | "no_credentials"
  /** The request was signed for another region than the bucket's (exit 2). */
  | "wrong_region"
  /**
   * Nothing answered at the endpoint (connection refused, host not found). Retried like a
   * network error; if nothing was created yet the endpoint is most likely wrong (exit 2).
   */
  | "unreachable"
  /** The multipart upload id is unknown to the server (aborted, purged or completed). */
  | "no_such_upload"
  /** The bucket does not exist. */
  | "no_such_bucket"
  /** The object does not exist (headObject). */
  | "not_found"
  /** The request itself is wrong (part too small, bad part order, invalid digest). */
  | "invalid_request"
  /** The request was cancelled through its AbortSignal. */
  | "aborted"
  /** The server's TLS certificate could not be verified (unknown CA, wrong host, expired). */
  | "tls"
  /** Anything else; not retried. */
  | "fatal";

/** A backend failure, already classified. The core never sees SDK errors. */
export class BackendError extends Error {
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
    readonly details: {
      /** Vendor error code, e.g. "SlowDown" or "ExpiredToken". */
      code?: string;
      /** HTTP status, when there was a response. */
      status?: number;
      /** Server-requested delay before the next try (Retry-After). */
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = "BackendError";
  }

  /** Whether trying the same request again may succeed. */
  get retryable(): boolean {
    return this.kind === "retryable" || this.kind === "throttled" || this.kind === "unreachable";
  }
}
