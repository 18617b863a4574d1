/**
 * The fault vocabulary of {@link FaultBackend} (fault_backend.ts): which calls a rule hits,
 * what it does, the calls as logged, and ready-made errors of the kinds the engine handles.
 */
import { BackendError } from "../errors.ts";
import type { PortMethod } from "../types.ts";

/** The Backend methods that talk to the store. */
export type BackendMethod = PortMethod;

/** One call through a {@link FaultBackend}, as logged and as passed to `match` and hooks. */
export interface FaultCall {
  /** 1-based order of the call among all calls on this wrapper. */
  seq: number;
  method: BackendMethod;
  /** 1-based count of calls to this method on this wrapper. */
  n: number;
  bucket?: string;
  key?: string;
  uploadId?: string;
  partNumber?: number;
  /** listParts only: the marker it listed from (parts above it), when given. */
  afterPartNumber?: number;
  /** Whether the inner backend was called (the request "reached the server"). */
  reachedServer: boolean;
  /** Set when an injected fault decided the outcome. */
  injected?: "before" | "after" | "crash" | "halted";
  /** Set when the call settles. */
  outcome?: "ok" | "error";
  /** The error the caller got, when outcome is "error". */
  error?: unknown;
}

/** Which calls a rule applies to. */
export interface RuleSchedule {
  /** The first matching call (1-based, counted from when the rule is added) to hit; default 1. */
  nth?: number;
  /** How many consecutive matching calls to hit from `nth` on; default 1, Infinity for all. */
  times?: number;
  /** Restricts the rule to some calls, e.g. `(c) => c.partNumber === 3`. */
  match?: (call: FaultCall) => boolean;
}

/** Options of {@link FaultBackend.failOn}. */
export interface FailOnOptions extends RuleSchedule {
  /** The error to throw, or a factory called once per hit. */
  error: BackendError | ((call: FaultCall) => BackendError);
  /** Wait this long (abortably) before failing. */
  delayMs?: number;
  /**
   * true (default): fail without calling the inner backend. false: call it, and fail only
   * if it succeeded, so the server did the work but the caller never hears of it.
   */
  beforeCall?: boolean;
}

/** Options of {@link FaultBackend.delayOn}. */
export interface DelayOnOptions extends RuleSchedule {
  /** Extra latency before the inner call, in milliseconds (abortable). */
  delayMs: number;
}

/** A handle on an added rule. */
export interface FaultRule {
  /** How many calls the rule has hit so far. */
  readonly fired: number;
  /** Stops the rule from hitting further calls. */
  remove(): void;
}

/** One scheduled fault as the wrapper keeps it. */
export interface Rule {
  method: BackendMethod;
  nth: number;
  times: number;
  match?: (call: FaultCall) => boolean;
  /** Matching calls seen (entry for fail/delay rules, inner successes for crash rules). */
  seen: number;
  fired: number;
  removed: boolean;
  action:
    | { type: "fail"; beforeCall: boolean; delayMs: number; error: FailOnOptions["error"] }
    | { type: "delay"; delayMs: number }
    | { type: "crash"; hook: (call: FaultCall) => void | Promise<void> };
}

/** Handy factories for the error kinds the engine must handle. */
export const faultErrors = {
  /** A transient failure such as a reset connection or a 500. */
  retryable: (): BackendError =>
    new BackendError("retryable", "Injected: connection reset.", {
      code: "InternalError",
      status: 500,
    }),
  /** 503 SlowDown, optionally with a Retry-After delay. */
  throttled: (retryAfterMs?: number): BackendError =>
    new BackendError("throttled", "Injected: please reduce your request rate.", {
      code: "SlowDown",
      status: 503,
      retryAfterMs,
    }),
  /** Expired credentials (ExpiredToken): kind auth_expired, as the S3 adapter files it. */
  auth: (): BackendError =>
    new BackendError("auth_expired", "Injected: the provided token has expired.", {
      code: "ExpiredToken",
      status: 400,
    }),
  /** The upload id is unknown to the server. */
  noSuchUpload: (): BackendError =>
    new BackendError("no_such_upload", "Injected: the specified upload does not exist.", {
      code: "NoSuchUpload",
      status: 404,
    }),
  /** Anything else, not retried. */
  fatal: (): BackendError =>
    new BackendError("fatal", "Injected: unexpected failure.", { code: "Injected" }),
};

/** The error every call gets while the backend is halted (a simulated crash). */
export function haltedError(): BackendError {
  return new BackendError("aborted", "The backend was halted (simulated crash).", {
    code: "Halted",
  });
}

/** The error a fail rule throws for `call`. */
export function makeError(error: FailOnOptions["error"], call: FaultCall): BackendError {
  return typeof error === "function" ? error(call) : error;
}
