import { BackendError, type BackendErrorKind } from "../errors.ts";

// S3 error codes by what the engine should do about them. Codes are from the S3 API
// reference's error list; network codes are Node/Deno socket errors.
const KIND_BY_CODE: Record<string, BackendErrorKind> = {
  NoSuchUpload: "no_such_upload",
  NoSuchBucket: "no_such_bucket",
  NoSuchKey: "not_found",
  NotFound: "not_found",
  SlowDown: "throttled",
  Throttling: "throttled",
  ThrottlingException: "throttled",
  TooManyRequests: "throttled",
  TooManyRequestsException: "throttled",
  RequestLimitExceeded: "throttled",
  ServiceUnavailable: "throttled",
  ExpiredToken: "auth_expired",
  ExpiredTokenException: "auth_expired",
  TokenRefreshRequired: "auth_expired",
  RequestExpired: "auth_expired",
  InvalidToken: "auth",
  InvalidAccessKeyId: "auth",
  SignatureDoesNotMatch: "auth",
  AccessDenied: "auth",
  AllAccessDisabled: "auth",
  AccountProblem: "auth",
  CredentialsProviderError: "no_credentials",
  AuthorizationHeaderMalformed: "wrong_region",
  PermanentRedirect: "wrong_region",
  IllegalLocationConstraintException: "wrong_region",
  InvalidRegion: "wrong_region",
  // A conditional write raced another write of the key: S3 says to send it again.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
  ConditionalRequestConflict: "retryable",
  // If-None-Match: * and the key holds an object (no_clobber.ts tells it apart by status).
  PreconditionFailed: "invalid_request",
  InternalError: "retryable",
  RequestTimeout: "retryable",
  RequestTimeoutException: "retryable",
  TimeoutError: "retryable",
  BadDigest: "retryable",
  XAmzContentChecksumMismatch: "retryable",
  InvalidDigest: "retryable",
  XAmzContentSHA256Mismatch: "retryable",
  IncompleteBody: "retryable",
  ECONNRESET: "retryable",
  ECONNREFUSED: "unreachable",
  ECONNABORTED: "retryable",
  EPIPE: "retryable",
  ETIMEDOUT: "retryable",
  ENOTFOUND: "unreachable",
  EAI_AGAIN: "retryable",
  EHOSTUNREACH: "retryable",
  ENETUNREACH: "retryable",
  InvalidPart: "invalid_request",
  InvalidPartOrder: "invalid_request",
  EntityTooSmall: "invalid_request",
  EntityTooLarge: "invalid_request",
  InvalidRequest: "invalid_request",
  InvalidArgument: "invalid_request",
  InvalidBucketName: "invalid_request",
  MalformedXML: "invalid_request",
  InvalidObjectName: "invalid_request",
  XMinioInvalidObjectName: "invalid_request",
  XMinioInvalidResourceName: "invalid_request",
  KeyTooLongError: "invalid_request",
  InvalidStorageClass: "invalid_request",
  MethodNotAllowed: "invalid_request",
  InvalidObjectState: "invalid_request",
  NotImplemented: "invalid_request",
};

const FIX_BY_CODE: Record<string, string> = {
  InvalidObjectName:
    `the key is not valid on this store; choose another with -k (no "../" segments, no trailing "/")`,
  XMinioInvalidObjectName:
    `the key is not valid on this store; choose another with -k (no "../" segments, no trailing "/")`,
  XMinioInvalidResourceName:
    `the key is not valid on this store; choose another with -k (no "../" segments, no trailing "/")`,
  KeyTooLongError: "the key is too long for this store; shorten -k",
  EntityTooSmall:
    "a part is below the store's minimum part size; use a larger -s (or larger chunks), then --restart",
  EntityTooLarge: "a part is above the store's maximum part size; use a smaller -s, then --restart",
  InvalidBucketName: "the bucket name is not valid on this store; check -b",
  InvalidStorageClass: "the storage class is not available on this store",
  // S3 allows letters of any script in tags; MinIO only ASCII letters, digits and + - = . _ : / @.
  InvalidTag:
    "this store refuses a tag of --tagging (MinIO takes only ASCII letters and digits, spaces and + - = . _ : / @); change --tagging",
};

/** The fix for an "auth" error that is a missing permission rather than a wrong key. */
const NO_PERMISSION_FIX = "Use credentials that may write to this bucket (check the key's policy)";

/** What the user must change, when the code or status says it. */
function fixFor(kind: BackendErrorKind, code: string | undefined, status: number | undefined) {
  if (kind === "auth" && (code === "AccessDenied" || status === 403 && !code)) {
    return NO_PERMISSION_FIX;
  }
  return kind === "invalid_request" && code ? FIX_BY_CODE[code] : undefined;
}

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
  cause?: unknown;
}

/**
 * Translates anything the SDK or the socket layer throws into a classified BackendError.
 * `notFound` says what a bare 404 means for this call: a call on an upload id gets
 * "no_such_upload" (moto answers those with an HTML page, not an S3 error code).
 */
export function toBackendError(
  error: unknown,
  signal?: AbortSignal,
  notFound: BackendErrorKind = "not_found",
): BackendError {
  if (error instanceof BackendError) return error;
  let e = (error ?? {}) as SdkLikeError;
  // Deno's fetch throws TypeError("fetch failed") with the real reason as its cause.
  if (
    e.name === "TypeError" && e.cause instanceof Error && e.$metadata?.httpStatusCode === undefined
  ) {
    e = e.cause as SdkLikeError;
  }
  const status = e.$metadata?.httpStatusCode;
  const code = codeOf(e);
  const message = cleanMessage(e.message ?? String(error), code);
  if (signal?.aborted || code === "AbortError") {
    return new BackendError("aborted", "The request was cancelled.", { code, cause: error });
  }
  let kind: BackendErrorKind = credentialKind(code, message) || (code && KIND_BY_CODE[code]) ||
    (status === undefined && isTlsFailure(code, message) ? "tls" : undefined) ||
    kindByStatus(status, message);
  // A HEAD has no body, so its 404 carries no code; some servers send HTML for 404s.
  if (status === 404 && (kind === "fatal" || !code || !KIND_BY_CODE[code])) kind = notFound;
  const retryAfterMs = parseRetryAfter(e.$response?.headers?.["retry-after"]);
  const fix = fixFor(kind, code, status);
  return new BackendError(kind, message, {
    code,
    status,
    retryAfterMs,
    ...(fix ? { fix } : {}),
    cause: error,
  });
}

/**
 * The credential chain's own failures (no HTTP request was made): an SSO session that must
 * be renewed is "auth_expired" (log in again, re-run), anything else is "no_credentials".
 */
function credentialKind(code: string | undefined, message: string): BackendErrorKind | undefined {
  if (code !== "CredentialsProviderError" && code !== "TokenProviderError") return undefined;
  return /sso login|expired|refresh/i.test(message) ? "auth_expired" : "no_credentials";
}

// Node's (and Deno's node:tls) verification error codes; rustls (Deno's fetch) says it in words.
const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
]);

function isTlsFailure(code: string | undefined, message: string): boolean {
  return (code !== undefined && TLS_CODES.has(code)) ||
    /certificate|UnknownIssuer|self[- ]signed|NotValidForName/i.test(message);
}

function codeOf(e: SdkLikeError): string | undefined {
  const nested = e.cause as SdkLikeError | undefined;
  const candidates = [e.Code, e.code, nested?.code, e.name];
  return candidates.find((c) =>
    typeof c === "string" && c !== "Error" && c !== "S3ServiceException"
  );
}

function kindByStatus(status: number | undefined, message: string): BackendErrorKind {
  if (status === undefined) {
    // No HTTP response at all: the connection failed or was cut.
    if (
      /ECONNREFUSED|connection refused|ENOTFOUND|failed to lookup address|dns error/i.test(message)
    ) {
      return "unreachable";
    }
    return /socket|connect|network|hang up|reset|closed|timed? ?out|EOF|broken pipe|fetch failed/i
        .test(message)
      ? "retryable"
      : "fatal";
  }
  if (status === 429 || status === 503) return "throttled";
  if (status >= 500) return "retryable";
  if (status === 401 || status === 403) return "auth";
  if (status === 408) return "retryable";
  // Any other 4xx is permanent: the same request will get the same answer.
  if (status >= 400) return "invalid_request";
  return "fatal";
}

/** Retry-After in seconds or as an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

// SDK messages for unmodelled errors are "UnknownError" or carry a stack-y prefix.
function cleanMessage(message: string, code: string | undefined): string {
  // The SDK's HTTP handler prefixes its own name: "@smithy/node-http-handler - the request ...".
  const first = message.split("\n")[0].trim().replace(/^@smithy\/[\w-]+ - /, "");
  if (!first || first === "UnknownError" || first === code) {
    return code ? `the server answered ${code}` : "the server gave no details";
  }
  return first;
}
