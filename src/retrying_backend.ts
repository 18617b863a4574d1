import type { Backend } from "../backends/types.ts";
import type { BackendError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { type RetryPolicy, withRetry } from "./retry.ts";

/** The backend methods that talk to the store (all but its name, limits and close). */
type RetriedMethod = Exclude<keyof Backend, "name" | "limits" | "trailingChecksums" | "close">;

/** Any backend method, as `retried` forwards it: the first argument, the signal, the rest. */
type AnyMethod = (first: unknown, signal: AbortSignal, ...rest: unknown[]) => Promise<unknown>;

/** Marks a backend that already retries, so wrapping twice never multiplies the tries. */
const RETRYING = Symbol("retrying");

/**
 * The one retry path (rclone's pacer): `backend` with every call retried under `policy`,
 * so callers write `backend.uploadPart(...)` and never wrap a call themselves. With a
 * `logger`, each retry prints one line naming what was being done (for example
 * "Retrying part 2 in 2.0 s after try 1 of 8 failed (SlowDown): ...").
 */
export function retrying(
  backend: Backend,
  opts: {
    policy: RetryPolicy;
    logger?: Logger;
    /** Told of every retry by the name of the backend method being retried. */
    onRetry?: (method: keyof Backend) => void;
  },
): Backend {
  if ((backend as { [RETRYING]?: true })[RETRYING]) return backend;
  const { policy, logger } = opts;
  const call = <T>(
    method: keyof Backend,
    what: string,
    signal: AbortSignal,
    fn: () => Promise<T>,
  ): Promise<T> =>
    withRetry(fn, {
      policy,
      signal,
      onRetry: (error, attempt, delay) => {
        opts.onRetry?.(method);
        if (logger) logRetry(logger, policy, what, error, attempt, delay);
      },
    });
  /**
   * `backend[method]`, retried; `what(first argument)` names the call in retry lines. The
   * method is looked up at each call, as a direct `backend.method(...)` would be.
   */
  const retried = <M extends RetriedMethod>(
    method: M,
    what: (first: Parameters<NonNullable<Backend[M]>>[0]) => string,
  ): NonNullable<Backend[M]> =>
    ((first: never, signal: AbortSignal, ...rest: never[]) =>
      call(
        method,
        what(first),
        signal,
        () => (backend[method] as unknown as AnyMethod).call(backend, first, signal, ...rest),
      )) as unknown as NonNullable<Backend[M]>;
  const wrapped: Backend & { [RETRYING]: true } = {
    [RETRYING]: true,
    name: backend.name,
    limits: backend.limits,
    trailingChecksums: backend.trailingChecksums,
    createMultipartUpload: retried("createMultipartUpload", () => "creating the upload"),
    uploadPart: retried("uploadPart", (input) => `part ${input.partNumber}`),
    listParts: retried("listParts", () => "listing parts"),
    completeMultipartUpload: retried("completeMultipartUpload", () => "completion"),
    putObject: retried("putObject", () => "uploading the object"),
    abortMultipartUpload: retried(
      "abortMultipartUpload",
      (ref) => `aborting upload ${ref.uploadId}`,
    ),
    listMultipartUploads: retried("listMultipartUploads", () => "listing uploads"),
    headObject: retried("headObject", () => "checking the object"),
    close: () => backend.close(),
  };
  if (backend.objectPartSizes) {
    wrapped.objectPartSizes = retried("objectPartSizes", () => "asking the part sizes");
  }
  if (backend.readObject) {
    wrapped.readObject = retried("readObject", () => "reading the object");
  }
  return wrapped;
}

/** One log line per retry, so a flaky link is visible but not noisy. */
function logRetry(
  logger: Logger,
  policy: RetryPolicy,
  what: string,
  error: BackendError,
  attempt: number,
  delayMs: number,
): void {
  const code = error.details.code ?? error.details.status ?? error.kind;
  logger.warn(
    `Retrying ${what} in ${
      (delayMs / 1000).toFixed(1)
    } s after try ${attempt} of ${policy.maxAttempts} failed (${code}): ${error.message}`,
  );
}
