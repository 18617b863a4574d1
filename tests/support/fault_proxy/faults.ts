/**
 * The fault proxy's S3 vocabulary: what a rule matches (S3 operations), what it does
 * (FaultAction), the error bodies and status reasons it answers with, and rule validation.
 *
 * @module
 */

/** What to do with a request a rule picked. */
export type FaultAction =
  /**
   * Read `afterBytes` bytes of the request body (default: half of `Content-Length`, 0 for
   * chunked bodies), then close the client connection without answering. Nothing reaches
   * the upstream. Closing with unread bytes in the socket makes Linux send a RST, so the
   * client usually sees ECONNRESET; otherwise it sees EOF without a response.
   * With `Expect: 100-continue` the proxy answers `100 Continue` itself to get the body.
   */
  | { kind: "reset_mid_body"; afterBytes?: number }
  /**
   * Accept the request, read (and discard) whatever the client sends, never answer; close
   * the connection after `ms` (default: never, until the client gives up or the proxy closes).
   * Nothing reaches the upstream.
   */
  | { kind: "stall"; ms?: number }
  /**
   * Answer with an S3-style XML error (`<Error><Code>SlowDown</Code>...`) without
   * forwarding. `code` defaults from the status (503 SlowDown, 500 InternalError,
   * 404 NoSuchUpload/NoSuchKey, 403 AccessDenied, ...). `Retry-After` is sent when
   * `retryAfterSeconds` is given. HEAD requests get the headers only, as S3 does.
   */
  | { kind: "status"; status: number; code?: string; retryAfterSeconds?: number }
  /** Wait `ms` milliseconds, then forward normally. */
  | { kind: "latency"; ms: number }
  /**
   * Forward to the upstream, relay the response head unchanged and only the first
   * `afterBytes` bytes of the body (default: half of `Content-Length`, 0 for chunked or
   * close-delimited bodies), then close the client connection.
   * Responses without a body (UploadPart's empty 200, HEAD, 204) have their head cut in
   * half instead, so the client never sees the status or the ETag header.
   * Either way the upstream did process the request: "done on the server, lost on the wire".
   */
  | { kind: "truncate_response"; afterBytes?: number }
  /**
   * Answer with this exact status and body (an S3 answer bent on purpose, such as a 200
   * whose body is an `<Error>`, or a Complete result without an ETag). With `forward`, the
   * request goes upstream first and its answer is read and dropped: the server acted, the
   * client hears something else.
   */
  | { kind: "reply"; status: number; body: string; forward?: boolean }
  /**
   * Forward, with one byte of the request body flipped on the way (at `atByte` of the body
   * as sent, default 1000): bytes damaged in transit, which a server checking the part's
   * checksum must refuse.
   */
  | { kind: "corrupt_body"; atByte?: number }
  /** Forward normally. */
  | { kind: "pass" };

/** S3 operations {@linkcode classifyS3Operation} recognises (anything else is "other"). */
export type S3Operation =
  | "UploadPart"
  | "CreateMultipartUpload"
  | "CompleteMultipartUpload"
  | "ListParts"
  | "AbortMultipartUpload"
  | "HeadObject"
  | "HeadBucket"
  | "ListMultipartUploads"
  | "PutObject"
  | "GetObject";

/**
 * Picks requests and says what to do with them. Rules are checked in order and the first
 * one that fires wins. Each rule counts the requests matching its `match` on its own (also
 * those another rule handled), so `nth` means "the nth request of this kind".
 */
export interface FaultRule {
  /** Which requests: all given criteria must hold. */
  match: {
    /** HTTP method, case-insensitive. */
    method?: string;
    /** The S3 operation as {@linkcode classifyS3Operation} names it. */
    operation?: S3Operation;
    /** A predicate on the request URL (path + query, on the proxy's origin) and headers. */
    test?: (url: URL, headers: Headers) => boolean;
  };
  /** What to do. */
  action: FaultAction;
  /**
   * Apply to the nth..(nth+times-1) matching request (1-based). `nth` defaults to 1;
   * `times` defaults to 1 when `nth` is given and to unlimited otherwise.
   */
  nth?: number;
  /** How many matching requests, from the nth on, the rule applies to. */
  times?: number;
  /**
   * Within that window, apply with this probability (0..1), drawn from the proxy's seeded
   * RNG: the same seed and the same request sequence give the same faults.
   */
  probability?: number;
}

/**
 * Names the S3 operation of a path-style request: UploadPart = PUT with partNumber and
 * uploadId; CreateMultipartUpload = POST ?uploads; CompleteMultipartUpload = POST ?uploadId;
 * ListParts = GET ?uploadId; AbortMultipartUpload = DELETE ?uploadId; ListMultipartUploads =
 * GET on the bucket with ?uploads; HeadObject = HEAD on a key; HeadBucket = HEAD on a bucket;
 * PutObject = other PUT on a key; GetObject = other GET on a key. Everything else (bucket and service operations,
 * DeleteObject, sub-resources such as ?acl or ?tagging) is "other".
 */
export function classifyS3Operation(method: string, url: URL): string {
  const q = url.searchParams;
  const path = url.pathname.replace(/^\/+/, "");
  const slash = path.indexOf("/");
  const hasKey = slash > 0 && slash < path.length - 1;
  const subresource = ["acl", "tagging", "attributes", "legal-hold", "retention", "torrent"]
    .some((name) => q.has(name));
  switch (method.toUpperCase()) {
    case "PUT":
      if (!hasKey) return "other";
      if (q.has("partNumber") && q.has("uploadId")) return "UploadPart";
      return subresource ? "other" : "PutObject";
    case "POST":
      if (!hasKey) return "other";
      if (q.has("uploads")) return "CreateMultipartUpload";
      if (q.has("uploadId")) return "CompleteMultipartUpload";
      return "other";
    case "GET":
      if (!hasKey) return q.has("uploads") && path.length > 0 ? "ListMultipartUploads" : "other";
      if (q.has("uploadId")) return "ListParts";
      return subresource ? "other" : "GetObject";
    case "DELETE":
      return hasKey && q.has("uploadId") ? "AbortMultipartUpload" : "other";
    case "HEAD":
      return hasKey ? "HeadObject" : path.length > 0 ? "HeadBucket" : "other";
    default:
      return "other";
  }
}

/** A deterministic RNG (mulberry32) for tests that must replay the same choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Slow Down",
  504: "Gateway Timeout",
};

export const DEFAULT_CODES: Record<number, [string, string]> = {
  400: ["InvalidRequest", "Invalid request."],
  403: ["AccessDenied", "Access Denied."],
  408: [
    "RequestTimeout",
    "Your socket connection to the server was not read from or written to within the timeout period.",
  ],
  409: ["OperationAborted", "A conflicting conditional operation is currently in progress."],
  429: ["SlowDown", "Please reduce your request rate."],
  500: ["InternalError", "We encountered an internal error. Please try again."],
  501: ["NotImplemented", "A header you provided implies functionality that is not implemented."],
  503: ["SlowDown", "Please reduce your request rate."],
};

export function errorCode(status: number, url: URL): [string, string] {
  if (status === 404) {
    return url.searchParams.has("uploadId")
      ? ["NoSuchUpload", "The specified upload does not exist."]
      : ["NoSuchKey", "The specified key does not exist."];
  }
  return DEFAULT_CODES[status] ??
    (status >= 500
      ? ["InternalError", "Injected server error."]
      : ["InvalidRequest", "Injected client error."]);
}

export function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function validateRules(rules: FaultRule[]): void {
  for (const [i, rule] of rules.entries()) {
    const where = `Fault rule ${i + 1}`;
    if (rule.nth !== undefined && !(Number.isInteger(rule.nth) && rule.nth >= 1)) {
      throw new RangeError(`${where}: nth must be an integer >= 1.`);
    }
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
      throw new RangeError(`${where}: times must be an integer >= 0.`);
    }
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new RangeError(`${where}: probability must be between 0 and 1.`);
    }
    const action = rule.action;
    if (
      action.kind === "status" &&
      !(Number.isInteger(action.status) && action.status >= 200 && action.status <= 599)
    ) {
      throw new RangeError(`${where}: status must be an integer 200..599.`);
    }
    const amounts: [string, number | undefined][] = action.kind === "latency"
      ? [["ms", action.ms]]
      : action.kind === "stall"
      ? [["ms", action.ms]]
      : action.kind === "reset_mid_body" || action.kind === "truncate_response"
      ? [["afterBytes", action.afterBytes]]
      : action.kind === "status"
      ? [["retryAfterSeconds", action.retryAfterSeconds]]
      : [];
    for (const [name, value] of amounts) {
      if (value === undefined && !(action.kind === "latency")) continue;
      if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`${where}: ${action.kind} ${name} must be a number >= 0.`);
      }
    }
  }
}
