/**
 * The one error type of the port: every adapter translates its vendor's errors into a
 * {@link BackendError} of one {@link BackendErrorKind}, and the engine decides on the kind
 * alone (src/transfer/failure.ts). See types.ts for the methods that throw it.
 */

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
  /** The request was signed for another region than the bucket's, or sent to the wrong endpoint (exit 2). */
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
      /**
       * What the user must change, in the store's own terms, when the adapter knows it
       * (for example "the key is too long for this store; shorten -k").
       */
      fix?: string;
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
